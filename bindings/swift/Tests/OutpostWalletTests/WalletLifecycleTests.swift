import Foundation
import OutpostWallet
import XCTest

/// Create, reopen, unlock, change the PIN: the calls an app's onboarding and lock screen make.
final class WalletLifecycleTests: XCTestCase {
    func testAWalletReopensLockedAndUnlocksWithItsPin() throws {
        let path = try makeWalletDirectory().appendingPathComponent("reopen.wallet").path
        let protector = MemoryKeyProtector()
        let identity: Identity
        do {
            let created = try Wallet.create(path: path, pin: testPin, currency: "JPY", protector: protector)
            XCTAssertTrue(created.isUnlocked())
            XCTAssertEqual(created.currency(), "JPY")
            identity = created.identity()
        }
        XCTAssertFalse(identity.fingerprint.isEmpty)
        XCTAssertEqual(identity.signingKey.count, 64, "keys cross the FFI as lowercase hex")

        let reopened = try Wallet.open(path: path, protector: protector)
        XCTAssertFalse(reopened.isUnlocked())
        XCTAssertEqual(reopened.identity(), identity)
        try reopened.unlock(pin: testPin)
        XCTAssertTrue(reopened.isUnlocked())
        XCTAssertEqual(try reopened.balances().offlinePurse.minor, 0)
        XCTAssertNil(try reopened.ledgerKey(), "not enrolled yet")
    }

    func testAWalletFileIsNeverOverwritten() throws {
        let directory = try makeWalletDirectory()
        _ = try newWallet(in: directory, named: "once")
        guard case .Storage? = walletError({ try newWallet(in: directory, named: "once") }) else {
            return XCTFail("creating over an existing wallet file is refused with Storage")
        }
    }

    func testAChangedPinReplacesTheOldOne() throws {
        let wallet = try newWallet(in: makeWalletDirectory(), named: "change")
        try wallet.changePin(oldPin: testPin, newPin: "735102")
        wallet.lock()
        guard case .PinIncorrect? = walletError({ try wallet.unlock(pin: testPin) }) else {
            return XCTFail("the old PIN no longer unlocks")
        }
        try wallet.unlock(pin: "735102")
        XCTAssertTrue(wallet.isUnlocked())
    }

    func testTheLibraryIsTheOneTheseBindingsWereGeneratedFor() {
        XCTAssertFalse(libraryVersion().isEmpty)
    }
}
