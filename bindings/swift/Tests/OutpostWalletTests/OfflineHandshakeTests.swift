#if os(macOS) || os(Linux) // they start a ledger process: iOS has no `Process`
import Foundation
import OutpostWallet
import XCTest

/// The whole money path through the Swift bindings: two wallets enrolled with a real ledger pay
/// each other offline by QR code, then both sync and the ledger's books audit clean.
final class OfflineHandshakeTests: XCTestCase {
    func testAnOfflinePaymentByQrSettlesAtSyncAndTheAuditVerifies() throws {
        let pair = try enrolledPair()
        let (ann, ben, ledger) = (pair.ann, pair.ben, pair.ledger)

        // Ben shows a payment request for 3,000 yen.
        let request = try ben.createRequest(amountMinor: 3_000, memo: "lunch", validForSecs: 600)
        XCTAssertEqual(request.amount?.minor, 3_000)
        XCTAssertEqual(request.amount?.currency, "JPY")
        XCTAssertEqual(try qrKind(text: request.qrText), .paymentRequest)

        // Ann scans it and pays from her purse: the transfer is committed before its QR exists.
        let payment = try ann.payRequest(requestQr: request.qrText, amountMinor: nil, memo: "")
        XCTAssertEqual(payment.amount.minor, 3_000)
        XCTAssertEqual(try qrKind(text: payment.qrText), .transfer)
        XCTAssertEqual(try ann.balances().offlinePurse.minor, 7_000)
        XCTAssertEqual(try ann.balances().pendingOutgoing.minor, 3_000)

        // Ben scans the transfer and shows his receipt.
        let accepted = try ben.accept(transferQr: payment.qrText)
        XCTAssertFalse(accepted.alreadyAccepted)
        XCTAssertEqual(accepted.transferId, payment.transferId)
        XCTAssertEqual(accepted.amount.minor, 3_000)
        XCTAssertEqual(accepted.senderMemberId, "ANN-01")
        XCTAssertEqual(accepted.senderKey, ann.identity().signingKey)
        XCTAssertEqual(accepted.memo, "lunch", "an empty memo repeats the request's")
        XCTAssertEqual(try qrKind(text: accepted.receiptQr), .receipt)
        XCTAssertEqual(try ben.balances().pendingIncoming.minor, 3_000)

        // Scanning the same transfer again credits nothing.
        let again = try ben.accept(transferQr: payment.qrText)
        XCTAssertTrue(again.alreadyAccepted)
        XCTAssertEqual(again.transferId, payment.transferId)
        XCTAssertEqual(try ben.balances().pendingIncoming.minor, 3_000)

        // Ann scans the receipt: delivered.
        let confirmed = try ann.confirmReceipt(receiptQr: accepted.receiptQr)
        XCTAssertEqual(confirmed.transferId, payment.transferId)
        XCTAssertFalse(confirmed.alreadyConfirmed)
        let annHistory = try ann.history(before: nil, limit: 10)
        XCTAssertEqual(annHistory.first?.transferId, payment.transferId)
        XCTAssertEqual(annHistory.first?.direction, .sent)
        XCTAssertEqual(annHistory.first?.status, .delivered)
        let benHistory = try ben.history(before: nil, limit: 10)
        XCTAssertEqual(benHistory.first?.direction, .received)
        XCTAssertEqual(benHistory.first?.status, .pendingSettlement)

        // Both sync: Ann uploads the transfer and its receipt, Ben claims it.
        _ = try ann.sync(transport: pair.transport, purseMinor: nil)
        let benReport = try ben.sync(transport: pair.transport, purseMinor: nil)
        XCTAssertEqual(benReport.settled, 1)
        XCTAssertEqual(benReport.onlineBalanceMinor, 3_000)
        let benBalances = try ben.balances()
        XCTAssertEqual(benBalances.online.minor, 3_000)
        XCTAssertEqual(benBalances.pendingIncoming.minor, 0)
        XCTAssertEqual(try ben.history(before: nil, limit: 1).first?.status, .receivedSettled)
        XCTAssertNotNil(try ben.ledgerCheckpoint())

        // The officer's audit export verifies offline under the ledger key, and extends the
        // checkpoint Ben's wallet holds.
        let export = try ledger.auditExport()
        let summary = try verifyAuditExport(export: export, ledgerKey: pair.ledgerKey)
        XCTAssertEqual(summary.credited, 20_000)
        XCTAssertEqual(summary.accounts + summary.purses, summary.credited)
        XCTAssertTrue(summary.flagged.isEmpty)
        XCTAssertEqual(try ben.verifyAuditExport(export: export).checkpoint, summary.checkpoint)

        // One flipped byte and it does not.
        var tampered = export
        let middle = tampered.index(tampered.startIndex, offsetBy: tampered.count / 2)
        tampered[middle] ^= 0x01
        guard case let .AuditFailed(reason)? = walletError({ try verifyAuditExport(export: tampered, ledgerKey: pair.ledgerKey) })
        else { return XCTFail("a tampered export must fail its audit") }
        XCTAssertFalse(reason.isEmpty)

        // Both local event logs still check from their first entry.
        XCTAssertGreaterThan(try ann.verifyLog().entries, 0)
        XCTAssertGreaterThan(try ben.verifyLog().entries, 0)
    }
}
#endif
