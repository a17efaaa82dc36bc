import Foundation
import OutpostWallet
import XCTest

/// Every failure arrives as a typed `WalletError` whose first field, `reason`, is the text to show,
/// and whose other fields are what an app acts on. `description` is the same text (the Rust
/// `Display`). A Swift error thrown inside a callback becomes a typed error, never a crash.
final class WalletErrorTests: XCTestCase {
    func testAWrongPinIsCountedAndSaysHowManyTriesAreLeft() throws {
        let wallet = try newWallet(in: makeWalletDirectory(), named: "pin")
        wallet.lock()

        let first = walletError({ try wallet.unlock(pin: "000000") })
        guard case let .PinIncorrect(reason, firstTriesLeft, retryAfterSecs, _, _)? = first else {
            return XCTFail("a wrong PIN is PinIncorrect, got \(String(describing: first))")
        }
        XCTAssertTrue(reason.hasPrefix("PIN incorrect"), reason)
        XCTAssertEqual(first?.description, reason, "description is the readable text")
        XCTAssertEqual(retryAfterSecs, 0, "the first wrong PINs cost no delay")
        XCTAssertGreaterThan(firstTriesLeft, 1)

        let second = walletError({ try wallet.unlock(pin: "111111") })
        guard case let .PinIncorrect(secondReason, secondTriesLeft, _, _, _)? = second else {
            return XCTFail("a wrong PIN is PinIncorrect, got \(String(describing: second))")
        }
        XCTAssertTrue(secondReason.hasPrefix("PIN incorrect"), secondReason)
        XCTAssertEqual(secondTriesLeft, firstTriesLeft - 1, "each wrong PIN is counted")

        try wallet.unlock(pin: testPin)
        XCTAssertTrue(wallet.isUnlocked())
    }

    func testALockedWalletRefusesWorkThatNeedsItsKeys() throws {
        let wallet = try newWallet(in: makeWalletDirectory(), named: "locked")
        let identity = wallet.identity()
        wallet.lock()
        XCTAssertFalse(wallet.isUnlocked())
        XCTAssertEqual(wallet.identity(), identity, "the public identity reads while locked")

        guard case let .Locked(reason)? = walletError({ try wallet.enrolmentQr(memberId: "ANN-01") }) else {
            return XCTFail("a locked wallet refuses with Locked")
        }
        XCTAssertTrue(reason.contains("locked"), reason)
    }

    func testTextThatIsNotAnOutpostCodeIsBadQr() throws {
        guard case let .BadQr(reason)? = walletError({ try qrKind(text: "https://example.com/menu") }) else {
            return XCTFail("a URL is not an Outpost code")
        }
        XCTAssertTrue(reason.contains("not an Outpost code"), reason)

        let wallet = try newWallet(in: makeWalletDirectory(), named: "scanner")
        guard case .BadQr? = walletError({ try wallet.accept(transferQr: "OP1") }) else {
            return XCTFail("a cut-short code is BadQr")
        }
        guard case .BadQr? = walletError({ try wallet.confirmReceipt(receiptQr: "") }) else {
            return XCTFail("an empty scan is BadQr")
        }
    }

    func testASwiftErrorThrownByTheKeyProtectorBecomesKeyProtectorFailed() throws {
        let directory = try makeWalletDirectory()
        let error = walletError({ try newWallet(in: directory, named: "broken", protector: BrokenKeyProtector()) })
        guard case let .KeyProtectorFailed(reason)? = error else {
            return XCTFail("a protector that throws is KeyProtectorFailed, got \(String(describing: error))")
        }
        XCTAssertTrue(reason.contains("the keystore is on fire"), reason)
    }

    func testACancelledPromptIsKeyProtectorCancelled() throws {
        let directory = try makeWalletDirectory()
        let error = walletError({ try newWallet(in: directory, named: "cancel", protector: CancellingKeyProtector()) })
        guard case .KeyProtectorCancelled? = error else {
            return XCTFail("a cancelled prompt is KeyProtectorCancelled, got \(String(describing: error))")
        }
    }

    func testASwiftErrorThrownByTheTransportBecomesLedgerUnreachable() throws {
        let wallet = try newWallet(in: makeWalletDirectory(), named: "offline")
        // Any 32-byte key will do: the transport fails before an answer is checked against it.
        try wallet.pinLedgerKey(ledgerKey: String(repeating: "5a", count: 32))

        let unreachable = walletError({ try wallet.sync(transport: OfflineTransport(), purseMinor: nil) })
        guard case let .LedgerUnreachable(reason)? = unreachable else {
            return XCTFail("a transport that throws is LedgerUnreachable, got \(String(describing: unreachable))")
        }
        XCTAssertTrue(reason.contains("airplane mode"), reason)

        let refused = walletError({ try wallet.sync(transport: RefusingTransport(), purseMinor: nil) })
        guard case let .LedgerRefused(refusal, status)? = refused else {
            return XCTFail("a Refused transport error is LedgerRefused, got \(String(describing: refused))")
        }
        XCTAssertEqual(status, 503)
        XCTAssertTrue(refusal.contains("maintenance"), refusal)
    }

    func testSyncingBeforeEnrolmentIsNotEnrolled() throws {
        let wallet = try newWallet(in: makeWalletDirectory(), named: "new")
        guard case .NotEnrolled? = walletError({ try wallet.sync(transport: OfflineTransport(), purseMinor: 1_000) }) else {
            return XCTFail("a wallet without a ledger key cannot sync")
        }
    }

    func testAnotherLedgerKeyIsRefusedOnceOneIsPinned() throws {
        let wallet = try newWallet(in: makeWalletDirectory(), named: "pinned")
        let key = String(repeating: "5a", count: 32)
        try wallet.pinLedgerKey(ledgerKey: key)
        try wallet.pinLedgerKey(ledgerKey: key) // the same key again changes nothing
        guard case .LedgerKeyMismatch? = walletError({ try wallet.pinLedgerKey(ledgerKey: String(repeating: "a5", count: 32)) }) else {
            return XCTFail("a second ledger key is LedgerKeyMismatch")
        }
        XCTAssertEqual(try wallet.ledgerKey(), key)
    }

    func testAPinThatIsTooShortIsInvalidPin() throws {
        let directory = try makeWalletDirectory()
        let error = walletError({
            try Wallet.create(
                path: directory.appendingPathComponent("short.wallet").path,
                pin: "12",
                currency: "JPY",
                protector: MemoryKeyProtector()
            )
        })
        guard case let .InvalidPin(reason)? = error else {
            return XCTFail("a two-digit PIN is InvalidPin, got \(String(describing: error))")
        }
        XCTAssertFalse(reason.isEmpty)
    }

    func testAmountsAreReadAndShownInTheWalletsCurrency() throws {
        let wallet = try newWallet(in: makeWalletDirectory(), named: "money")
        XCTAssertEqual(try wallet.parseAmount(text: "3,000"), 3_000)
        let shown = try wallet.formatAmount(minor: 3_000)
        XCTAssertEqual(shown.text, "¥3,000")
        XCTAssertEqual(shown.currency, "JPY")
        guard case .BadAmount? = walletError({ try wallet.parseAmount(text: "12.5") }) else {
            return XCTFail("yen have no decimals")
        }
    }
}
