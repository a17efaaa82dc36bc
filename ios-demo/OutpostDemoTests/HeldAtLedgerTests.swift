import Foundation
import OutpostWallet
import XCTest
@testable import OutpostDemo

/// Money the phone cannot pay with but the ledger still holds for the member, on the home screen.
/// A cheat copies their wallet file, pays the shop, then pays again from the copy, spending the
/// same purse slot twice. The shop's phone refuses the second transfer as a double spend and keeps
/// it as evidence; at the shop's sync the ledger revokes the purse. The cheat's home screen then
/// shows the purse empty and what was left in it held at the ledger, with why and when it comes
/// back, in the wallet's own sentence.
///
/// Needs a running ledger and two of its officers (see TestLedger); skipped without them.
final class HeldAtLedgerTests: XCTestCase {
    @MainActor
    func testARevokedPurseRemainderIsShownOnTheHomeScreen() async throws {
        let ledger = try TestLedger.fromEnvironment()
        let info = try await ledger.info()
        let settings = LedgerSettings(url: ledger.url.absoluteString, keyHex: info.publicKey, currency: info.currency)
        let directory = try makeWalletDirectory()
        let shop = try await enrolledMember("SHOP", in: directory, settings: settings, ledger: ledger)

        // The cheat's phone: one device key, which both the wallet file and its copy open under.
        let keys = SoftwareDeviceKeys()
        try await fundedCheat(in: directory, settings: settings, ledger: ledger, keys: keys)
        // The cheat's app has let go of the wallet: closed, it is all in its one file (SQLite
        // folds its write-ahead log back in), so a copy of the file is the whole wallet.
        let file = directory.appendingPathComponent("cheat.wallet")
        XCTAssertFalse(FileManager.default.fileExists(atPath: file.path + "-wal"), "the cheat's wallet is closed")
        try FileManager.default.copyItem(at: file, to: directory.appendingPathComponent("copy.wallet"))

        let cheat = makeHost(in: directory, named: "cheat", keys: keys)
        let copy = makeHost(in: directory, named: "copy", keys: keys)
        for host in [cheat, copy] {
            await host.start()
            try await host.unlock(pin: testPin)
        }

        // The cheat pays 3,000 from the wallet, and the shop takes it in.
        let first = try await pay(from: cheat, to: shop, amount: "3,000", memo: "first")
        let receive = ReceiveModel(host: shop.host)
        await receive.scanned(first.qrText)?.value
        guard case .showReceipt = receive.state.step else {
            return XCTFail("the first transfer is accepted, got \(receive.state.step): \(receive.state.message?.text ?? "")")
        }

        // Then 9,000 from the copy, out of the same purse slot: the shop's phone says so, as a
        // danger, and credits nothing.
        let second = try await pay(from: copy, to: shop, amount: "9,000", memo: "again")
        let caught = ReceiveModel(host: shop.host)
        await caught.scanned(second.qrText)?.value
        XCTAssertEqual(caught.state.step, .scan)
        XCTAssertEqual(caught.state.message?.kind, .danger, caught.state.message?.text ?? "no message")
        let shopHome = HomeModel(host: shop.host)
        await shopHome.refresh().value
        XCTAssertEqual(shopHome.state.pendingIn?.minor, 3_000, "only the first is credited")

        // Online: the cheat uploads, the shop's evidence makes the ledger revoke the purse, and
        // the cheat's next sync learns of it.
        let cheatSync = SyncModel(host: cheat, settings: settings)
        await cheatSync.sync()?.value
        XCTAssertNil(cheatSync.state.message, cheatSync.state.message?.text ?? "")
        let shopSync = SyncModel(host: shop.host, settings: settings)
        await shopSync.sync()?.value
        XCTAssertNil(shopSync.state.message, shopSync.state.message?.text ?? "")
        await cheatSync.sync()?.value
        XCTAssertNil(cheatSync.state.message, cheatSync.state.message?.text ?? "")
        XCTAssertTrue(
            cheatSync.state.report?.lines.contains { $0.hasPrefix("The ledger revoked 1 purse") } ?? false,
            cheatSync.state.summary ?? "no summary"
        )

        // The cheat's home screen: the purse is empty, and the 7,000 the wallet had not spent is
        // held at the ledger, with why and when it comes back.
        let home = HomeModel(host: cheat)
        await home.refresh().value
        XCTAssertNil(home.state.message, home.state.message?.text ?? "")
        XCTAssertEqual(home.state.purse?.text, "¥0")
        XCTAssertEqual(home.state.held.count, 1)
        let held = try XCTUnwrap(home.state.held.first)
        XCTAssertEqual(held.amount, Money(minor: 7_000, currency: "JPY", text: "¥7,000"))
        XCTAssertEqual(held.reason, .revoked)
        XCTAssertTrue(held.text.hasPrefix("¥7,000 is held at the ledger, since the purse was revoked by the ledger"), held.text)
        XCTAssertTrue(held.text.contains("comes back to your online account"), held.text)

        // The shop, which was never revoked, holds nothing at the ledger.
        await shopHome.refresh().value
        XCTAssertEqual(shopHome.state.held, [])
    }

    /// The cheat onboards and enrols through the screens, is paid 20,000 and loads 10,000 into the
    /// purse; the app's host is released on return, closing the wallet file.
    @MainActor
    private func fundedCheat(in directory: URL, settings: LedgerSettings, ledger: TestLedger, keys: DeviceKeys) async throws {
        let cheat = try await enrolledMember("CHEAT", in: directory, settings: settings, ledger: ledger, keys: keys)
        try await ledger.credit(cheat.memberId, amountMinor: 20_000)
        let sync = SyncModel(host: cheat.host, settings: settings)
        await sync.loadPurse(amountText: "10,000")?.value
        XCTAssertNil(sync.state.message, sync.state.message?.text ?? "")
        let home = HomeModel(host: cheat.host)
        await home.refresh().value
        XCTAssertEqual(home.state.purse?.minor, 10_000)
        XCTAssertEqual(home.state.held, [], "nothing is held while the purse is good")
    }

    /// `payer` pays a request `payee` makes for `amount`, through the request and pay screens.
    @MainActor
    private func pay(from payer: WalletHost, to payee: Member, amount: String, memo: String) async throws -> Payment {
        let request = RequestModel(host: payee.host)
        await request.create(amountText: amount, memo: memo)?.value
        let requestQr = try XCTUnwrap(request.state.request?.qrText, request.state.message?.text ?? "")
        let pay = PayModel(host: payer)
        await pay.scanned(requestQr)?.value
        await pay.confirm(amountText: nil, memo: "")?.value
        guard case let .showTransfer(payment, _, _) = pay.state.step else {
            throw FixtureFailure(description: "paying shows the transfer, got \(pay.state.step): \(pay.state.message?.text ?? "")")
        }
        return payment
    }
}
