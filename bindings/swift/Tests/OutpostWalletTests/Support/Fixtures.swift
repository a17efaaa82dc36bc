import Foundation
import OutpostWallet
import XCTest

/// The PIN every test wallet is created with.
let testPin = "482916"

extension XCTestCase {
    /// A fresh directory for this test's wallet files, deleted when the test ends.
    func makeWalletDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("outpost-swift-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock {
            _ = try? FileManager.default.removeItem(at: directory)
        }
        return directory
    }

    /// A new JPY wallet file `<name>.wallet` in `directory`, created with `testPin` and returned
    /// unlocked. Blocking (Argon2id).
    func newWallet(
        in directory: URL,
        named name: String,
        protector: KeyProtector = MemoryKeyProtector()
    ) throws -> Wallet {
        try Wallet.create(
            path: directory.appendingPathComponent("\(name).wallet").path,
            pin: testPin,
            currency: "JPY",
            protector: protector
        )
    }

    /// Runs `body`, which must throw a `WalletError`, and returns that error; anything else fails
    /// the test and returns nil.
    func walletError<T>(
        _ body: () throws -> T,
        file: StaticString = #filePath,
        line: UInt = #line
    ) -> WalletError? {
        do {
            let value = try body()
            XCTFail("expected a WalletError, got \(value)", file: file, line: line)
        } catch let error as WalletError {
            return error
        } catch {
            XCTFail("expected a WalletError, got \(type(of: error)): \(error)", file: file, line: line)
        }
        return nil
    }
}

#if os(macOS) || os(Linux) // they start a ledger process: iOS has no `Process`
/// Two wallets enrolled with a fresh ledger process: Ann, credited 20,000 yen and holding a
/// 10,000 yen offline purse from her first sync, and Ben, with nothing yet.
struct EnrolledPair {
    let ledger: LedgerProcess
    let ledgerKey: String
    let transport: URLSessionTransport
    let ann: Wallet
    let ben: Wallet
}

extension XCTestCase {
    func enrolledPair() throws -> EnrolledPair {
        let ledger = try LedgerProcess()
        addTeardownBlock {
            ledger.stop()
        }
        let directory = try makeWalletDirectory()
        let ledgerKey = try ledger.publicKey()
        let transport = URLSessionTransport(ledger: ledger.url)

        let ann = try newWallet(in: directory, named: "ann")
        let ben = try newWallet(in: directory, named: "ben")
        for (wallet, member) in [(ann, "ANN-01"), (ben, "BEN-01")] {
            // The officer scans the member's enrolment QR; the wallet pins the ledger's key.
            let enrolled = try ledger.enrol(wallet.enrolmentQr(memberId: member))
            XCTAssertEqual(enrolled, member)
            try wallet.pinLedgerKey(ledgerKey: ledgerKey)
            XCTAssertEqual(try wallet.ledgerKey(), ledgerKey)
        }

        try ledger.credit("ANN-01", amountMinor: 20_000, memo: "pay")
        let loaded = try ann.sync(transport: transport, purseMinor: 10_000)
        XCTAssertEqual(loaded.newPurse?.minor, 10_000)
        XCTAssertEqual(loaded.onlineBalanceMinor, 10_000)
        XCTAssertEqual(try ann.balances().offlinePurse.minor, 10_000)
        return EnrolledPair(ledger: ledger, ledgerKey: ledgerKey, transport: transport, ann: ann, ben: ben)
    }
}
#endif
