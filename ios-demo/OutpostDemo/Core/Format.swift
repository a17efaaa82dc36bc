import Foundation
import OutpostWallet

/// A transfer's status as a history row shows it: a few words and the tone to colour them in.
struct StatusLabel: Equatable {
    enum Tone: Equatable {
        /// Something is still to happen: a receipt, a settlement.
        case waiting
        /// Nothing more to do.
        case done
        /// The money came back to the online account.
        case returned
        /// Refused, or kept as evidence of a double spend.
        case problem
    }

    let text: String
    let tone: Tone
}

/// The words every screen uses for statuses, times, ids and sync results: pure functions, word
/// for word those of the Android app's `Format`. Amounts are not here: the wallet formats them in
/// its currency (`Money.text`).
enum Format {
    private static let minute: UInt64 = 60
    private static let hour = 60 * minute
    private static let day = 24 * hour
    private static let week = 7 * day

    /// What a history row says about where a transfer stands.
    static func status(_ status: TransferStatus, direction: Direction) -> StatusLabel {
        switch status {
        case .awaitingReceipt:
            return StatusLabel(text: "awaiting receipt", tone: .waiting)
        case .delivered:
            return StatusLabel(text: "delivered", tone: .waiting)
        case .pendingSettlement:
            return StatusLabel(text: "pending settlement", tone: .waiting)
        case .doubleSpendEvidence:
            return StatusLabel(text: "double spend: not credited", tone: .problem)
        case .sentSettled, .receivedSettled:
            return StatusLabel(text: direction == .sent ? "settled" : "settled into your account", tone: .done)
        case .returned:
            return StatusLabel(text: "unclaimed: returned to your account", tone: .returned)
        case .sentRefused, .receivedRefused:
            let cost = direction == .sent ? "not paid" : "not credited"
            return StatusLabel(text: "refused by the ledger: \(cost)", tone: .problem)
        }
    }

    /// How long ago `thenSecs` was: "just now" under a minute (and for a time ahead of this
    /// clock), "5 min ago", "3 h ago", "2 days ago", then the date (yyyy-MM-dd in `timeZone`) from
    /// a week on.
    static func ago(thenSecs: UInt64, nowSecs: UInt64, timeZone: TimeZone = .current) -> String {
        guard nowSecs > thenSecs else { return "just now" }
        let elapsed = nowSecs - thenSecs
        switch elapsed {
        case ..<minute:
            return "just now"
        case ..<hour:
            return "\(elapsed / minute) min ago"
        case ..<day:
            return "\(elapsed / hour) h ago"
        case ..<week:
            let days = elapsed / day
            return days == 1 ? "1 day ago" : "\(days) days ago"
        default:
            return date(thenSecs, timeZone: timeZone)
        }
    }

    /// A request's countdown: "expires in 40 s", "expires in 9 min", "expires in 2 h", or "expired".
    static func expiresIn(expiresAt: UInt64, nowSecs: UInt64) -> String {
        guard expiresAt > nowSecs else { return "expired" }
        return "expires in \(duration(expiresAt - nowSecs))"
    }

    /// A positive number of seconds, rounded up to the unit shown, so a countdown never reads zero
    /// while time is left: "40 s", "9 min", "2 h", "3 days".
    static func duration(_ secs: UInt64) -> String {
        if secs < minute {
            return "\(secs) s"
        }
        if secs <= hour - minute {
            return "\(ceilDiv(secs, minute)) min"
        }
        if secs <= day - hour {
            return "\(ceilDiv(secs, hour)) h"
        }
        let days = ceilDiv(secs, day)
        return days == 1 ? "1 day" : "\(days) days"
    }

    /// A transfer id or key to read at a glance: its first 8 hex digits, "1a2b-3c4d".
    static func shortId(_ hex: String) -> String {
        let head = Array(hex.prefix(8))
        return stride(from: 0, to: head.count, by: 4)
            .map { String(head[$0..<min($0 + 4, head.count)]) }
            .joined(separator: "-")
    }

    /// The fingerprint both people read aloud to check they face the wallet they think.
    static func fingerprint(_ identity: Identity) -> String {
        identity.fingerprint
    }

    /// Who the other side of a transfer is: their name as the wallet knows it, else their short key.
    static func counterparty(_ entry: HistoryEntry) -> String {
        let label = entry.counterpartyLabel.trimmingCharacters(in: .whitespacesAndNewlines)
        return label.isEmpty ? "key \(shortId(entry.counterpartyKey))" : entry.counterpartyLabel
    }

    /// An amount with the side it went: "−¥3,000" sent (a minus sign, U+2212), "+¥3,000" received.
    static func signedAmount(_ amount: Money, direction: Direction) -> String {
        (direction == .sent ? "\u{2212}" : "+") + amount.text
    }

    /// What a sync did, one sentence a line: the wallet's own `SyncReport.lines`, the same words
    /// `outpost wallet sync` prints ("Loaded an offline purse of ¥10,000: this is what you can pay
    /// offline."). The app composes none of its own, so the phone and the CLI cannot drift.
    static func syncSummary(_ report: SyncReport) -> String {
        report.lines.joined(separator: "\n")
    }

    private static func ceilDiv(_ value: UInt64, _ unit: UInt64) -> UInt64 {
        (value + unit - 1) / unit
    }

    private static func date(_ secs: UInt64, timeZone: TimeZone) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.calendar = Calendar(identifier: .gregorian)
        formatter.timeZone = timeZone
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(secs)))
    }
}
