import Foundation
import OutpostWallet

/// A sentence a screen shows under its content when something did not go as asked: every error a
/// wallet call can raise becomes one of these, never a crash. `kind` picks the colour: `info` for
/// the expected (no network, a cancelled prompt), `problem` for what the member can fix (a wrong
/// PIN, a bad scan), `danger` for what someone must look at (a double spend, a tampered file, a
/// wallet locked out for good). `retryAfterSecs` is how long the screen waits before it lets the
/// member try again (wrong PIN delays).
///
/// The words are those of the Android app's `UserMessage`, so both apps say the same thing.
struct UserMessage: Equatable, Sendable {
    enum Kind: Equatable, Sendable {
        case info
        case problem
        case danger
    }

    let text: String
    let kind: Kind
    let retryAfterSecs: UInt64

    init(text: String, kind: Kind, retryAfterSecs: UInt64 = 0) {
        self.text = text
        self.kind = kind
        self.retryAfterSecs = retryAfterSecs
    }

    static func info(_ text: String) -> UserMessage { UserMessage(text: text, kind: .info) }
    static func problem(_ text: String) -> UserMessage { UserMessage(text: text, kind: .problem) }
    static func danger(_ text: String) -> UserMessage { UserMessage(text: text, kind: .danger) }

    /// A sync that could not reach the ledger: the wallet sends the same request again later.
    static let noNetwork = UserMessage.info("No network; nothing lost, try later.")

    /// The message for anything a wallet call, the device key or the app itself threw.
    static func of(_ error: Error) -> UserMessage {
        switch error {
        case let error as WalletError:
            return of(error)
        case let error as KeyProtectorError:
            return of(error)
        default:
            return .problem("Something went wrong: \(String(describing: error))")
        }
    }

    // No `default`: a case added to the library must be given its message here.
    static func of(_ error: WalletError) -> UserMessage {
        switch error {
        case let .PinIncorrect(_, triesLeft, retryAfterSecs, _, _):
            return UserMessage(
                text: "Wrong PIN: \(tries(triesLeft)) left before the wallet locks for good." + waitNote(retryAfterSecs),
                kind: .problem,
                retryAfterSecs: retryAfterSecs
            )
        case let .PinDelayed(_, retryAfterSecs, _):
            return UserMessage(
                text: "Too soon after a wrong PIN; this try was not counted." + waitNote(retryAfterSecs),
                kind: .problem,
                retryAfterSecs: retryAfterSecs
            )
        case .LockedOut:
            return .danger("Too many wrong PINs: this wallet is locked for good on this device. See your finance officer.")
        case let .InvalidPin(reason):
            return .problem(sentence(reason))
        case let .Locked(reason):
            return .info(sentence(reason))
        case let .KeyProtectorUnavailable(reason):
            return .problem("The device key cannot be used (\(reason)). See your finance officer.")
        case .KeyProtectorCancelled:
            return .info("Cancelled. No PIN try was counted.")
        case let .KeyProtectorFailed(reason):
            return .problem("The device key failed: \(reason)")
        case let .Tampered(reason):
            return .danger("The wallet's data failed its integrity check: \(reason)")
        case let .Storage(reason):
            return .problem(sentence(reason))
        case let .BadQr(reason):
            return .problem(sentence(reason))
        case let .BadMessage(reason):
            return .problem(sentence(reason))
        case let .BadAmount(reason):
            return .problem(sentence(reason))
        case let .NotEnrolled(reason):
            return .problem(sentence(reason))
        case let .LedgerKeyMismatch(reason):
            return .problem(sentence(reason))
        case let .NoPurse(reason):
            return .problem(sentence(reason))
        case let .InsufficientPurse(reason, _, _):
            return .problem(sentence(reason))
        case let .AlreadyPaid(reason, _):
            return .info(sentence(reason))
        case let .DoubleSpend(reason, _, _, _):
            return .danger(sentence(reason))
        case let .Refused(reason):
            return .problem(sentence(reason))
        case .LedgerUnreachable:
            return noNetwork
        case let .LedgerRefused(reason, status):
            return .problem("The ledger refused (HTTP \(status)): \(reason)")
        case let .LedgerUntrusted(reason):
            return .problem(sentence(reason))
        case let .LedgerNotWitnessed(reason):
            return .info(sentence(reason))
        case let .AuditFailed(reason):
            return .problem(sentence(reason))
        case let .Internal(reason):
            return .problem("Something went wrong inside the wallet: \(reason)")
        }
    }

    /// Thrown by the app's own device keys before the wallet sees the protector.
    static func of(_ error: KeyProtectorError) -> UserMessage {
        switch error {
        case .Cancelled:
            return .info("Cancelled.")
        case let .Unavailable(reason):
            return .problem("The device key cannot be used (\(reason)).")
        case let .Failed(reason):
            return .problem("The device key failed: \(reason)")
        }
    }

    private static func tries(_ count: UInt32) -> String {
        count == 1 ? "1 try" : "\(count) tries"
    }

    private static func waitNote(_ retryAfterSecs: UInt64) -> String {
        retryAfterSecs == 0 ? "" : " Try again in \(Format.duration(retryAfterSecs))."
    }

    /// The library's reasons are clauses ("the wallet is locked: …"); a message starts a sentence.
    private static func sentence(_ reason: String) -> String {
        reason.prefix(1).uppercased() + reason.dropFirst()
    }
}
