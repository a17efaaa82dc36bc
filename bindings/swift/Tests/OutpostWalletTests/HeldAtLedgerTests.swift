#if os(macOS) || os(Linux) // they start a ledger process: iOS has no `Process`
import Foundation
import OutpostWallet
import XCTest

/// Money the phone cannot pay with but the ledger still holds for the member. A cheat restores a
/// copy of their wallet from before they paid and spends the same purse again; the shop's phone
/// keeps both transfers as evidence, and at its sync the ledger revokes the purse. The cheat's
/// phone then shows the remainder as held at the ledger, why, and when it comes back.
final class HeldAtLedgerTests: XCTestCase {
    func testARevokedPurseRemainderIsShownAsHeldWithWhyAndWhen() throws {
        let pair = try enrolledPair()
        let (ben, ledger, transport) = (pair.ben, pair.ledger, pair.transport)

        // A copy of the cheat's wallet file from before they pay. The wallet is released first:
        // closed, it is all in its one file (SQLite folds its write-ahead log back in).
        let directory = try makeWalletDirectory()
        let path = directory.appendingPathComponent("cheat.wallet").path
        let copyPath = directory.appendingPathComponent("copy.wallet").path
        let protector = MemoryKeyProtector()
        do {
            let cheat = try newWallet(in: directory, named: "cheat", protector: protector)
            try ledger.enrol(cheat.enrolmentQr(memberId: "CHEAT-01"))
            try cheat.pinLedgerKey(ledgerKey: pair.ledgerKey)
            try ledger.credit("CHEAT-01", amountMinor: 20_000)
            XCTAssertEqual(try cheat.sync(transport: transport, purseMinor: 10_000).newPurse?.minor, 10_000)
            XCTAssertEqual(try cheat.heldAtLedger(), [])
        }
        try FileManager.default.copyItem(atPath: path, toPath: copyPath)
        let cheat = try Wallet.open(path: path, protector: protector)
        try cheat.unlock(pin: testPin)
        let copy = try Wallet.open(path: copyPath, protector: protector)
        try copy.unlock(pin: testPin)

        let first = try ben.createRequest(amountMinor: 3_000, memo: "first", validForSecs: 600)
        let paid = try cheat.payRequest(requestQr: first.qrText, amountMinor: nil, memo: "")
        XCTAssertEqual(try ben.accept(transferQr: paid.qrText).amount.minor, 3_000)
        let again = try ben.createRequest(amountMinor: 9_000, memo: "again", validForSecs: 600)
        let spentTwice = try copy.payRequest(requestQr: again.qrText, amountMinor: nil, memo: "")
        guard case .DoubleSpend? = walletError({ try ben.accept(transferQr: spentTwice.qrText) }) else {
            return XCTFail("a second spend of the same purse slot must be refused as a double spend")
        }

        _ = try cheat.sync(transport: transport, purseMinor: nil)
        _ = try ben.sync(transport: transport, purseMinor: nil) // the evidence: the ledger revokes the purse
        _ = try cheat.sync(transport: transport, purseMinor: nil)

        XCTAssertEqual(try cheat.balances().offlinePurse.minor, 0)
        let held = try cheat.heldAtLedger()
        XCTAssertEqual(held.count, 1)
        guard let money = held.first else { return }
        XCTAssertEqual(money.amount, Money(minor: 7_000, currency: "JPY", text: "¥7,000"))
        XCTAssertEqual(money.reason, .revoked)
        XCTAssertEqual(money.reasonText, "the purse was revoked by the ledger")
        let purses = try ledger.purses("CHEAT-01")
        XCTAssertEqual(purses.count, 1)
        XCTAssertEqual(purses.first?["state"] as? String, "revoked")
        XCTAssertEqual(purses.first?["outstanding_minor"] as? Int, 7_000, "the ledger holds what the phone shows")
        XCTAssertEqual(purses.first?["purse_id"] as? String, money.purseId)
        XCTAssertEqual((purses.first?["expires_at"] as? Int).map(UInt64.init), money.expiresAt)
        XCTAssertTrue(money.text.hasPrefix("¥7,000 is held at the ledger, since the purse was revoked by the ledger"), money.text)
        XCTAssertTrue(money.text.contains("comes back to your online account"), money.text)
    }
}
#endif
