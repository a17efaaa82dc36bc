import OutpostWallet
import XCTest
@testable import OutpostDemo

/// Every error a screen can meet becomes a sentence, never a crash, in the Android app's words;
/// only the alarming ones are dangers.
final class UserMessageTests: XCTestCase {
    private let errors: [WalletError] = [
        .PinIncorrect(reason: "PIN incorrect", triesLeft: 7, retryAfterSecs: 60, triesBeforeDelay: 0, nextDelaySecs: 300),
        .PinDelayed(reason: "too soon", retryAfterSecs: 125, triesLeft: 6),
        .LockedOut(reason: "locked out", failures: 10),
        .InvalidPin(reason: "the PIN must have at least 6 digits"),
        .Locked(reason: "the wallet is locked"),
        .KeyProtectorUnavailable(reason: "key invalidated"),
        .KeyProtectorCancelled(reason: "authentication cancelled by the user"),
        .KeyProtectorFailed(reason: "hardware gone"),
        .Tampered(reason: "a row failed its check"),
        .Storage(reason: "the file is missing"),
        .BadQr(reason: "not an Outpost code"),
        .BadMessage(reason: "expired"),
        .BadAmount(reason: "too many decimals"),
        .NotEnrolled(reason: "not enrolled"),
        .LedgerKeyMismatch(reason: "another ledger"),
        .NoPurse(reason: "no usable offline purse"),
        .InsufficientPurse(reason: "not enough", remainingMinor: 100, askedMinor: 200),
        .AlreadyPaid(reason: "already paid", transferId: String(repeating: "ab", count: 32)),
        .DoubleSpend(reason: "double spend", memberId: "cheat", purseId: String(repeating: "cd", count: 32), seq: 1),
        .Refused(reason: "a wallet cannot pay itself"),
        .LedgerUnreachable(reason: "connection refused"),
        .LedgerRefused(reason: "down for maintenance", status: 503),
        .LedgerUntrusted(reason: "bad signature"),
        .AuditFailed(reason: "the log does not verify"),
        .Internal(reason: "no randomness"),
    ]

    func testEveryWalletErrorIsASentenceAndOnlyTheAlarmingOnesAreDangers() {
        for error in errors {
            let message = UserMessage.of(error)
            let first = message.text.first
            XCTAssertNotNil(first)
            XCTAssertFalse(first?.isLowercase ?? true, message.text)
            XCTAssertEqual(message.kind == .danger, isAlarming(error), message.text)
        }
    }

    func testAWrongPinSaysTheTriesLeftAndTheWait() {
        let wrong = UserMessage.of(errors[0])
        XCTAssertEqual(wrong.text, "Wrong PIN: 7 tries left before the wallet locks for good. Try again in 1 min.")
        XCTAssertEqual(wrong.kind, .problem)
        XCTAssertEqual(wrong.retryAfterSecs, 60)
        XCTAssertEqual(UserMessage.of(errors[1]).retryAfterSecs, 125)
        let lastTry = WalletError.PinIncorrect(reason: "PIN incorrect", triesLeft: 1, retryAfterSecs: 0, triesBeforeDelay: 0, nextDelaySecs: 0)
        XCTAssertEqual(UserMessage.of(lastTry).text, "Wrong PIN: 1 try left before the wallet locks for good.")
    }

    func testTheLibrarysReasonsBecomeSentences() {
        XCTAssertEqual(UserMessage.of(WalletError.NoPurse(reason: "no usable offline purse: sync to load one")),
                       .problem("No usable offline purse: sync to load one"))
        XCTAssertEqual(UserMessage.of(WalletError.AlreadyPaid(reason: "already paid", transferId: "ab")), .info("Already paid"))
        XCTAssertTrue(UserMessage.of(errors[6]).text.contains("Cancelled"))
        XCTAssertEqual(UserMessage.of(errors[6]).kind, .info, "a cancelled prompt costs nothing")
        XCTAssertTrue(UserMessage.of(errors[21]).text.contains("503"))
    }

    func testAnUnreachableLedgerIsNewsNotAProblem() {
        XCTAssertEqual(UserMessage.of(errors[20]), .noNetwork)
        XCTAssertEqual(UserMessage.noNetwork, .info("No network; nothing lost, try later."))
    }

    func testTheAppsOwnDeviceKeyErrorsAndAnythingElseAreMappedToo() {
        XCTAssertEqual(UserMessage.of(KeyProtectorError.Cancelled(reason: "closed")).kind, .info)
        XCTAssertEqual(
            UserMessage.of(KeyProtectorError.Unavailable(reason: "no Secure Enclave")),
            .problem("The device key cannot be used (no Secure Enclave).")
        )
        struct DiskFull: Error, CustomStringConvertible {
            var description: String { "disk full" }
        }
        let unexpected = UserMessage.of(DiskFull())
        XCTAssertEqual(unexpected.kind, .problem)
        XCTAssertTrue(unexpected.text.contains("disk full"), unexpected.text)
    }

    private func isAlarming(_ error: WalletError) -> Bool {
        switch error {
        case .DoubleSpend, .Tampered, .LockedOut:
            return true
        default:
            return false
        }
    }
}
