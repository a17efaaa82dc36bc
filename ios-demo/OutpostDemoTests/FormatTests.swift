import OutpostWallet
import XCTest
@testable import OutpostDemo

/// The words the screens show, which are the Android app's word for word.
final class FormatTests: XCTestCase {
    private let now: UInt64 = 1_700_000_000 // 2023-11-14 22:13:20 UTC
    private let minute: UInt64 = 60
    private let hour: UInt64 = 3_600
    private let day: UInt64 = 86_400

    func testEveryStatusReadsRightFromEitherSideInTheToneItDeserves() {
        let tones: [(TransferStatus, StatusLabel.Tone)] = [
            (.awaitingReceipt, .waiting),
            (.delivered, .waiting),
            (.pendingSettlement, .waiting),
            (.doubleSpendEvidence, .problem),
            (.sentSettled, .done),
            (.receivedSettled, .done),
            (.returned, .returned),
            (.receivedRefused, .problem),
            (.sentRefused, .problem),
        ]
        for (status, tone) in tones {
            for direction in [Direction.sent, .received] {
                let label = Format.status(status, direction: direction)
                XCTAssertFalse(label.text.isEmpty, "\(status) \(direction)")
                XCTAssertEqual(label.tone, tone, "\(status) \(direction): \(label.text)")
            }
        }
        XCTAssertEqual(Format.status(.awaitingReceipt, direction: .sent).text, "awaiting receipt")
        XCTAssertEqual(Format.status(.delivered, direction: .sent).text, "delivered")
        XCTAssertEqual(Format.status(.pendingSettlement, direction: .received).text, "pending settlement")
        XCTAssertEqual(Format.status(.doubleSpendEvidence, direction: .received).text, "double spend: not credited")
        XCTAssertEqual(Format.status(.sentSettled, direction: .sent).text, "settled")
        XCTAssertEqual(Format.status(.receivedSettled, direction: .received).text, "settled into your account")
        XCTAssertEqual(Format.status(.returned, direction: .sent).text, "unclaimed: returned to your account")
        // Refusals say what they cost this side.
        XCTAssertEqual(Format.status(.sentRefused, direction: .sent).text, "refused by the ledger: not paid")
        XCTAssertEqual(Format.status(.receivedRefused, direction: .received).text, "refused by the ledger: not credited")
    }

    func testAgoCountsMinutesHoursAndDaysThenGivesTheDate() throws {
        XCTAssertEqual(Format.ago(thenSecs: now, nowSecs: now), "just now")
        XCTAssertEqual(Format.ago(thenSecs: now - 59, nowSecs: now), "just now")
        XCTAssertEqual(Format.ago(thenSecs: now + 30, nowSecs: now), "just now", "a time ahead of this clock")
        XCTAssertEqual(Format.ago(thenSecs: now - minute, nowSecs: now), "1 min ago")
        XCTAssertEqual(Format.ago(thenSecs: now - hour + 1, nowSecs: now), "59 min ago")
        XCTAssertEqual(Format.ago(thenSecs: now - hour, nowSecs: now), "1 h ago")
        XCTAssertEqual(Format.ago(thenSecs: now - day + 1, nowSecs: now), "23 h ago")
        XCTAssertEqual(Format.ago(thenSecs: now - day, nowSecs: now), "1 day ago")
        XCTAssertEqual(Format.ago(thenSecs: now - 2 * day, nowSecs: now), "2 days ago")
        XCTAssertEqual(Format.ago(thenSecs: now - 7 * day + 1, nowSecs: now), "6 days ago")
        let utc = try XCTUnwrap(TimeZone(identifier: "UTC"))
        let tokyo = try XCTUnwrap(TimeZone(identifier: "Asia/Tokyo"))
        XCTAssertEqual(Format.ago(thenSecs: now - 7 * day, nowSecs: now, timeZone: utc), "2023-11-07")
        XCTAssertEqual(Format.ago(thenSecs: now - 7 * day, nowSecs: now, timeZone: tokyo), "2023-11-08")
    }

    func testExpiryCountsDownRoundingUpSoItNeverShowsZeroWhileTimeIsLeft() {
        XCTAssertEqual(Format.expiresIn(expiresAt: now + 600, nowSecs: now), "expires in 10 min")
        XCTAssertEqual(Format.expiresIn(expiresAt: now + 541, nowSecs: now), "expires in 10 min")
        XCTAssertEqual(Format.expiresIn(expiresAt: now + 540, nowSecs: now), "expires in 9 min")
        XCTAssertEqual(Format.expiresIn(expiresAt: now + 60, nowSecs: now), "expires in 1 min")
        XCTAssertEqual(Format.expiresIn(expiresAt: now + 59, nowSecs: now), "expires in 59 s")
        XCTAssertEqual(Format.expiresIn(expiresAt: now + 1, nowSecs: now), "expires in 1 s")
        XCTAssertEqual(Format.expiresIn(expiresAt: now, nowSecs: now), "expired")
        XCTAssertEqual(Format.expiresIn(expiresAt: now - 5, nowSecs: now), "expired")
        XCTAssertEqual(Format.expiresIn(expiresAt: now + 3_541, nowSecs: now), "expires in 1 h")
        XCTAssertEqual(Format.expiresIn(expiresAt: now + 3_601, nowSecs: now), "expires in 2 h")
        XCTAssertEqual(Format.expiresIn(expiresAt: now + 36 * hour, nowSecs: now), "expires in 2 days")
        XCTAssertEqual(Format.duration(23 * hour + 1), "1 day")
    }

    func testShortIdGroupsTheFirstEightHexDigitsAndCounterpartyPrefersTheLabel() {
        let key = "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809"
        XCTAssertEqual(Format.shortId(key), "1a2b-3c4d")
        XCTAssertEqual(Format.shortId("1a2b3c"), "1a2b-3c")
        XCTAssertEqual(Format.shortId("1a2"), "1a2")
        XCTAssertEqual(Format.shortId(""), "")

        XCTAssertEqual(Format.counterparty(entry(label: "Ben", key: key)), "Ben")
        XCTAssertEqual(Format.counterparty(entry(label: " ", key: key)), "key 1a2b-3c4d")
    }

    func testAmountsCarryTheSideTheyWent() {
        let money = Money(minor: 3_000, currency: "JPY", text: "¥3,000")
        XCTAssertEqual(Format.signedAmount(money, direction: .sent), "\u{2212}¥3,000")
        XCTAssertEqual(Format.signedAmount(money, direction: .received), "+¥3,000")
    }

    func testTheSyncSummaryIsTheWalletsOwnLinesOneALine() {
        let lines = [
            "The ledger settled 2 transfers.",
            "Loaded an offline purse of ¥10,000: this is what you can pay offline.",
            "The ledger's signed log has 3 entries and extends the history this wallet saw before.",
        ]
        let report = SyncReport(
            rounds: 1, settled: 2, held: 0, returned: 0, refused: [],
            newPurse: Money(minor: 10_000, currency: "JPY", text: "¥10,000"), newlyRevoked: 0,
            onlineBalanceMinor: 0, notices: [], payments: [], checkpointSize: 3, lines: lines
        )
        XCTAssertEqual(Format.syncSummary(report).components(separatedBy: "\n"), lines)
    }

    func testTheFingerprintIsShownAsTheWalletGivesIt() {
        let identity = Identity(fingerprint: "K3QF-7ZPA-M2XD-QV4B", signingKey: "aa", agreementKey: "bb")
        XCTAssertEqual(Format.fingerprint(identity), "K3QF-7ZPA-M2XD-QV4B")
    }

    private func entry(label: String, key: String) -> HistoryEntry {
        HistoryEntry(
            position: 1,
            transferId: String(repeating: "ab", count: 32),
            direction: .sent,
            amount: Money(minor: 500, currency: "JPY", text: "¥500"),
            counterpartyKey: key,
            counterpartyLabel: label,
            memo: "",
            time: 0,
            status: .awaitingReceipt,
            statusText: "sent, awaiting receipt"
        )
    }
}
