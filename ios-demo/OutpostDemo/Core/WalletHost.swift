import Combine
import Foundation
import OutpostWallet

/// The app's one wallet and what it needs from the device: every screen model reaches the wallet
/// through here. It makes the wallet at onboarding, unlocks and locks it, and hands the screens
/// the service whose calls run off the main actor.
///
/// The session decides the first screen. `changes` fires after every call that moved money or
/// synced (`transact`), so the home and history screens refresh themselves.
@MainActor
final class WalletHost: ObservableObject {
    enum Session: Equatable {
        /// Reading the wallet file's identity, off the main actor, right after launch.
        case opening
        /// No wallet file on this device yet: onboarding makes one.
        case noWallet
        /// The file is there but would not open (damaged, or from a newer app); the message says
        /// why. Nothing was changed or deleted.
        case unopenable(UserMessage)
        /// The wallet file is open but its keys are not: only its public identity is known.
        case locked(Identity)
        /// Unlocked with the PIN: the wallet can pay, receive and sync.
        case unlocked(Identity)
    }

    @Published private(set) var session: Session = .opening
    let changes = PassthroughSubject<Void, Never>()

    let keys: DeviceKeys
    let transports: TransportFactory
    let clock: Clock
    private let service: WalletService

    init(walletFile: URL, keys: DeviceKeys, transports: TransportFactory, clock: Clock = .system) {
        service = WalletService(file: walletFile, keys: keys)
        self.keys = keys
        self.transports = transports
        self.clock = clock
    }

    /// The wallet's public identity, known once the file is open.
    var identity: Identity? {
        switch session {
        case let .locked(identity), let .unlocked(identity):
            return identity
        case .opening, .noWallet, .unopenable:
            return nil
        }
    }

    /// Finds out which session the phone is in: run once, at launch. Opening is a quick file read
    /// with no key work (the PIN and the device key are needed only to unlock).
    func start() async {
        guard session == .opening else { return }
        guard service.hasWallet else {
            session = .noWallet
            return
        }
        do {
            session = .locked(try await service.open())
        } catch {
            session = .unopenable(UserMessage.of(error))
        }
    }

    /// Makes the wallet under a fresh device key; the session becomes unlocked.
    @discardableResult
    func create(pin: String, currency: String, biometric: Bool) async throws -> Identity {
        let identity = try await service.create(pin: pin, currency: currency, biometric: biometric)
        session = .unlocked(identity)
        return identity
    }

    /// Unlocks with the PIN (and the device key, which may ask for Face ID). Throws the wallet's
    /// error: a wrong PIN, a delay, a cancelled prompt.
    func unlock(pin: String) async throws {
        let identity = try await service.unlock(pin: pin)
        session = .unlocked(identity)
    }

    /// The session says locked at once; the wallet forgets its keys after any call under way.
    func lock() {
        guard case let .unlocked(identity) = session else { return }
        session = .locked(identity)
        service.lock()
    }

    /// Runs `body` with the wallet's service while the session is unlocked.
    func call<T>(_ body: (WalletService) async throws -> T) async throws -> T {
        guard case .unlocked = session else {
            throw WalletError.Locked(reason: "the wallet is locked: unlock it with the PIN first")
        }
        return try await body(service)
    }

    /// `call` for what moves money, pins a key or syncs: `changes` fires when it ends, failed or
    /// not (a sync that fails in a later round has applied the earlier ones).
    func transact<T>(_ body: (WalletService) async throws -> T) async throws -> T {
        defer { changes.send() }
        return try await call(body)
    }
}
