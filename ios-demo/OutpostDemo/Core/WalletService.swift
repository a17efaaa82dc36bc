import Foundation
import OutpostWallet

/// Owns the app's one `Wallet` and runs every call to it on a private serial queue, behind
/// `async` methods the screens await.
///
/// Several wallet calls block for long: `create` and `unlock` run Argon2id and may wait on a Face ID
/// prompt inside the key protector, and `sync` waits on network round trips. They must not run on
/// the main actor, which would freeze the screen, nor on Swift's cooperative thread pool, which
/// has one thread per core and expects nothing to block. So each call hops to `queue`, a thread
/// of its own, and the caller suspends until it is done. The `Wallet` itself is safe to call from
/// any thread (it serialises on its own lock); the queue keeps the blocking off the shared threads
/// and runs this app's calls in the order they were made.
///
/// The calls cannot be cancelled: once started, a payment or a sync runs to its end, which is what
/// the wallet's durability guarantees are written for.
///
/// `wallet` is read and written only on `queue`; that confinement is why the class is Sendable.
final class WalletService: @unchecked Sendable {
    let file: URL
    private let keys: DeviceKeys
    private let queue = DispatchQueue(label: "org.outpost.demo.wallet", qos: .userInitiated)
    private var wallet: Wallet?

    init(file: URL, keys: DeviceKeys) {
        self.file = file
        self.keys = keys
    }

    /// Whether a wallet file exists. Opens nothing.
    var hasWallet: Bool {
        FileManager.default.fileExists(atPath: file.path)
    }

    // MARK: Lifecycle

    /// Creates the wallet file under a fresh device key and returns its identity; it is left
    /// unlocked. Refuses to replace an existing file (the wallet's own rule). On failure the new
    /// device key is discarded again and no file is left, so onboarding can simply start over.
    func create(pin: String, currency: String, biometric: Bool) async throws -> Identity {
        try await onQueue {
            try WalletFolder.prepare(for: self.file)
            let protector = try self.keys.newProtector(biometric: biometric)
            let wallet: Wallet
            do {
                wallet = try Wallet.create(path: self.file.path, pin: pin, currency: currency, protector: protector)
            } catch {
                self.keys.discard()
                throw error
            }
            self.wallet = wallet
            // Spelled out, not relied on: the folder's class and the app's default already give the
            // file this protection, so a failure here leaves it as protected as it would be anyway,
            // and must not strand a wallet that was made.
            try? WalletFolder.protect(self.file)
            return wallet.identity()
        }
    }

    /// Opens the wallet file, locked, and returns its identity. Quick: no key work.
    func open() async throws -> Identity {
        try await onQueue {
            try self.openWallet().identity()
        }
    }

    /// Unlocks with the PIN (the key protector may prompt for Face ID first).
    func unlock(pin: String) async throws -> Identity {
        try await onQueue {
            let wallet = try self.openWallet()
            try wallet.unlock(pin: pin)
            return wallet.identity()
        }
    }

    /// Forgets the wallet's keys until the next unlock. Queued at once, so it comes after every
    /// call already made and before any made later.
    func lock() {
        queue.async {
            self.wallet?.lock()
        }
    }

    // MARK: Wallet calls the screens make

    func overview() async throws -> WalletOverview {
        try await withWallet { wallet in
            try WalletOverview(
                balances: wallet.balances(),
                held: wallet.heldAtLedger(),
                notices: wallet.riskNotices(),
                ledgerKey: wallet.ledgerKey(),
                checkpoint: wallet.ledgerCheckpoint()
            )
        }
    }

    func enrolmentQr(memberId: String) async throws -> String {
        try await withWallet { try $0.enrolmentQr(memberId: memberId) }
    }

    func pinLedgerKey(_ ledgerKey: String) async throws {
        try await withWallet { try $0.pinLedgerKey(ledgerKey: ledgerKey) }
    }

    func parseAmount(_ text: String) async throws -> UInt64 {
        try await withWallet { try $0.parseAmount(text: text) }
    }

    func createRequest(amountMinor: UInt64?, memo: String, validForSecs: UInt64) async throws -> PaymentRequest {
        try await withWallet { try $0.createRequest(amountMinor: amountMinor, memo: memo, validForSecs: validForSecs) }
    }

    func readRequest(_ requestQr: String) async throws -> RequestPreview {
        try await withWallet { try $0.readRequest(requestQr: requestQr) }
    }

    func payRequest(_ requestQr: String, amountMinor: UInt64?, memo: String) async throws -> Payment {
        try await withWallet { try $0.payRequest(requestQr: requestQr, amountMinor: amountMinor, memo: memo) }
    }

    /// The transfer that paid a request before, sealed afresh to show again, with its amount from
    /// the history; nil when the history does not have it.
    func paidBefore(transferId: String) async throws -> Payment? {
        try await withWallet { wallet -> Payment? in
            let pageSize: UInt32 = 50
            var before: UInt64?
            var page: [HistoryEntry]
            repeat {
                page = try wallet.history(before: before, limit: pageSize)
                if let entry = page.first(where: { $0.transferId == transferId }) {
                    let qrText = try wallet.showTransfer(transferId: transferId)
                    return Payment(
                        transferId: transferId, amount: entry.amount, qrText: qrText,
                        checkpointSeen: .notShown, checkpointNotice: nil)
                }
                before = page.last?.position
            } while page.count == Int(pageSize)
            return nil
        }
    }

    func accept(_ transferQr: String) async throws -> Accepted {
        try await withWallet { try $0.accept(transferQr: transferQr) }
    }

    func confirmReceipt(_ receiptQr: String) async throws -> Confirmed {
        try await withWallet { try $0.confirmReceipt(receiptQr: receiptQr) }
    }

    func history(before: UInt64?, limit: UInt32) async throws -> [HistoryEntry] {
        try await withWallet { try $0.history(before: before, limit: limit) }
    }

    func sync(transport: SyncTransport, purseMinor: UInt64?) async throws -> SyncReport {
        try await withWallet { try $0.sync(transport: transport, purseMinor: purseMinor) }
    }

    // MARK: The queue

    /// The open wallet, opening the file on first use. Call on `queue` only.
    private func openWallet() throws -> Wallet {
        if let wallet {
            return wallet
        }
        let opened = try Wallet.open(path: file.path, protector: keys.existingProtector())
        wallet = opened
        return opened
    }

    private func withWallet<T>(_ call: @escaping @Sendable (Wallet) throws -> T) async throws -> T {
        try await onQueue {
            guard let wallet = self.wallet else {
                throw WalletError.Locked(reason: "the wallet is not open: unlock it first")
            }
            return try call(wallet)
        }
    }

    private func onQueue<T>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result(catching: work))
            }
        }
    }
}

/// What the home screen shows, read in one trip to the wallet's queue.
struct WalletOverview {
    let balances: Balances
    /// Money the ledger still holds for the member that this phone cannot pay with: a revoked or
    /// expired purse's remainder, each with why and when it comes back. Empty normally.
    let held: [HeldMoney]
    let notices: [RiskNotice]
    /// The pinned ledger key; nil until the wallet is enrolled.
    let ledgerKey: String?
    /// The newest ledger checkpoint, from the last sync that reached the ledger.
    let checkpoint: LedgerCheckpoint?
}
