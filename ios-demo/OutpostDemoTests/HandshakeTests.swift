import OutpostWallet
import XCTest
@testable import OutpostDemo

/// The whole money path through the screen models, as two members would walk it: Ann and Ben
/// onboard and enrol with a real ledger; Ann syncs a purse; Ben asks for 3,000 yen, Ann pays, Ben
/// accepts and shows his receipt, Ann scans it; both sync and the money lands in Ben's online
/// account. Only the phones' hardware is stood in for: a software key instead of the Secure
/// Enclave, and no camera (the QR texts are handed over as the scanner delivers them).
///
/// Needs a running ledger and two of its officers (see TestLedger); skipped without them.
final class HandshakeTests: XCTestCase {
    @MainActor
    func testOnboardingEnrolmentAPurseRequestPayReceiptAndSettlementOnTwoPhones() async throws {
        let ledger = try TestLedger.fromEnvironment()
        let info = try await ledger.info()
        let settings = LedgerSettings(url: ledger.url.absoluteString, keyHex: info.publicKey, currency: info.currency)
        let directory = try makeWalletDirectory()
        let ann = try await enrolledMember("ANN", in: directory, settings: settings, ledger: ledger)
        let ben = try await enrolledMember("BEN", in: directory, settings: settings, ledger: ledger)

        // Ann is paid 20,000 and loads 10,000 into her purse.
        try await ledger.credit(ann.memberId, amountMinor: 20_000)
        let annSync = SyncModel(host: ann.host, settings: settings)
        await annSync.loadPurse(amountText: "10,000")?.value
        XCTAssertNil(annSync.state.message, annSync.state.message?.text ?? "")
        // What the CLI prints for the same sync, word for word: the wallet's lines.
        XCTAssertEqual(annSync.state.summary, annSync.state.report?.lines.joined(separator: "\n"))
        XCTAssertTrue(
            annSync.state.report?.lines.contains("Loaded an offline purse of ¥10,000: this is what you can pay offline.") ?? false,
            annSync.state.summary ?? ""
        )
        let annHome = HomeModel(host: ann.host)
        await annHome.refresh().value
        XCTAssertEqual(annHome.state.purse?.minor, 10_000)
        XCTAssertNotNil(annHome.state.lastSync)

        // Ben asks for 3,000 yen.
        let request = RequestModel(host: ben.host)
        await request.create(amountText: "3,000", memo: "lunch")?.value
        let requestQr = try XCTUnwrap(request.state.request?.qrText, request.state.message?.text ?? "")

        // Ann scans it and sees who asks, and how much.
        let pay = PayModel(host: ann.host)
        await pay.scanned(requestQr)?.value
        guard case let .confirm(_, preview) = pay.state.step else {
            return XCTFail("a request moves to confirm, got \(pay.state.step): \(pay.state.message?.text ?? "")")
        }
        XCTAssertEqual(Format.fingerprint(preview.payee), Format.fingerprint(ben.identity))
        XCTAssertEqual(preview.amount?.minor, 3_000)

        // She pays; a second tap while paying is ignored, so she pays once.
        let paying = pay.confirm(amountText: nil, memo: "")
        XCTAssertNil(pay.confirm(amountText: nil, memo: ""))
        await paying?.value
        guard case let .showTransfer(payment, _, shownAgain) = pay.state.step else {
            return XCTFail("paying shows the transfer, got \(pay.state.step): \(pay.state.message?.text ?? "")")
        }
        XCTAssertFalse(shownAgain)
        XCTAssertEqual(payment.amount.minor, 3_000)
        XCTAssertEqual(try qrKind(text: payment.qrText), .transfer)
        await annHome.refresh().value
        XCTAssertEqual(annHome.state.purse?.minor, 7_000)
        XCTAssertEqual(annHome.state.pendingOut?.minor, 3_000)

        // Ben scans the transfer and shows his receipt.
        let receive = ReceiveModel(host: ben.host)
        await receive.scanned(payment.qrText)?.value
        guard case let .showReceipt(accepted, receipt) = receive.state.step else {
            return XCTFail("a transfer is accepted, got \(receive.state.step): \(receive.state.message?.text ?? "")")
        }
        XCTAssertFalse(accepted.alreadyAccepted)
        XCTAssertEqual(accepted.transferId, payment.transferId)
        XCTAssertEqual(accepted.amount.minor, 3_000)
        XCTAssertEqual(accepted.senderMemberId, ann.memberId)
        XCTAssertEqual(accepted.memo, "lunch", "an empty memo repeats the request's")
        XCTAssertEqual(receipt.text, accepted.receiptQr)
        XCTAssertNil(receive.state.message)

        // Scanning the same transfer again credits nothing, and says so.
        let again = ReceiveModel(host: ben.host)
        await again.scanned(payment.qrText)?.value
        guard case let .showReceipt(repeated, _) = again.state.step else {
            return XCTFail("a transfer scanned twice shows its receipt again, got \(again.state.step)")
        }
        XCTAssertTrue(repeated.alreadyAccepted)
        XCTAssertEqual(again.state.message, .info(ReceiveModel.alreadyAccepted))
        let benHome = HomeModel(host: ben.host)
        await benHome.refresh().value
        XCTAssertEqual(benHome.state.pendingIn?.minor, 3_000, "credited once")

        // Ann scans Ben's receipt: delivered.
        pay.awaitReceipt()
        await pay.receiptScanned(accepted.receiptQr)?.value
        guard case let .done(confirmed) = pay.state.step else {
            return XCTFail("the receipt confirms the transfer, got \(pay.state.step): \(pay.state.message?.text ?? "")")
        }
        XCTAssertEqual(confirmed.transferId, payment.transferId)
        XCTAssertFalse(confirmed.alreadyConfirmed)

        // Both histories say where the transfer stands.
        let annHistory = HistoryModel(host: ann.host)
        await annHistory.refresh().value
        let annRow = try XCTUnwrap(annHistory.state.rows.first)
        XCTAssertEqual(annRow.id, payment.transferId)
        XCTAssertEqual(annRow.status, Format.status(.delivered, direction: .sent))
        XCTAssertEqual(annRow.amount, "\u{2212}¥3,000")
        XCTAssertTrue(annHistory.state.endReached)
        let benHistory = HistoryModel(host: ben.host)
        await benHistory.refresh().value
        let benRow = try XCTUnwrap(benHistory.state.rows.first)
        XCTAssertEqual(benRow.status, Format.status(.pendingSettlement, direction: .received))
        XCTAssertEqual(benRow.counterparty, ann.memberId)

        // Paying the same request again shows the same transfer again, and pays nothing more.
        let payAgain = PayModel(host: ann.host)
        await payAgain.scanned(requestQr)?.value
        await payAgain.confirm(amountText: nil, memo: "")?.value
        guard case let .showTransfer(sameAgain, _, isShownAgain) = payAgain.state.step else {
            return XCTFail("a paid request shows its transfer, got \(payAgain.state.step): \(payAgain.state.message?.text ?? "")")
        }
        XCTAssertTrue(isShownAgain)
        XCTAssertEqual(sameAgain.transferId, payment.transferId)
        XCTAssertEqual(sameAgain.amount.minor, 3_000, "the amount comes from the history")
        XCTAssertEqual(payAgain.state.message?.kind, .info)
        await annHome.refresh().value
        XCTAssertEqual(annHome.state.purse?.minor, 7_000, "paid once")

        // Both sync: Ann uploads the transfer and its receipt, Ben's 3,000 settles.
        await annSync.sync()?.value
        XCTAssertNil(annSync.state.message, annSync.state.message?.text ?? "")
        let benSync = SyncModel(host: ben.host, settings: settings)
        await benSync.sync()?.value
        XCTAssertNil(benSync.state.message, benSync.state.message?.text ?? "")
        XCTAssertEqual(benSync.state.report?.settled, 1)
        XCTAssertEqual(benSync.state.report?.lines.first, "The ledger settled 1 transfer.", benSync.state.summary ?? "")
        await benHome.refresh().value
        XCTAssertEqual(benHome.state.online?.minor, 3_000)
        XCTAssertEqual(benHome.state.pendingIn?.minor, 0)
        await benHistory.refresh().value
        XCTAssertEqual(benHistory.state.rows.first?.status, Format.status(.receivedSettled, direction: .received))
    }
}
