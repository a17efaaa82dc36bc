import Combine
import Foundation
import OutpostWallet

/// Pay a payment request, offline: scan the payee's request; check who asks (their fingerprint, to
/// compare aloud), how much and what for, then confirm (typing the amount when the request leaves
/// it open); show the transfer's code for the payee to scan; scan the receipt their phone then
/// shows. A request paid before shows that first transfer again instead of paying twice.
@MainActor
final class PayModel: ObservableObject {
    enum Step: Equatable {
        /// The camera is looking for a payment request.
        case scan
        /// What the scanned request (`qr`) asks; nothing is paid yet.
        case confirm(qr: String, preview: RequestPreview)
        /// The transfer is made and committed: show its code. `shownAgain`: it paid this request before.
        case showTransfer(payment: Payment, qr: QrPicture, shownAgain: Bool)
        /// The camera is looking for the payee's receipt for `payment`.
        case waitReceipt(payment: Payment, qr: QrPicture)
        /// The payee's receipt is recorded: the transfer is delivered.
        case done(Confirmed)
    }

    struct State: Equatable {
        var step: Step = .scan
        var busy = false
        var message: UserMessage?
    }

    @Published private(set) var state = State()
    private let host: WalletHost

    init(host: WalletHost) {
        self.host = host
    }

    /// On the confirm step: the request leaves the amount to the payer.
    var amountNeeded: Bool {
        if case let .confirm(_, preview) = state.step {
            return preview.amount == nil
        }
        return false
    }

    /// A scanned code, on the scan step: a payment request is read and checked, nothing stored.
    @discardableResult
    func scanned(_ text: String) -> Task<Void, Never>? {
        guard state.step == .scan, !state.busy else { return nil }
        let route = ScanRouter.route(text)
        guard case let .payRequest(qr) = route else {
            state.message = ScanRouter.wrongCode(route, wanted: .request)
            return nil
        }
        state.busy = true
        state.message = nil
        return Task {
            defer { state.busy = false }
            do {
                let preview = try await host.call { try await $0.readRequest(qr) }
                state.step = .confirm(qr: qr, preview: preview)
            } catch {
                state.message = UserMessage.of(error)
            }
        }
    }

    /// Pays the request on the confirm step. `amountText` as typed, needed when the request leaves
    /// the amount open (nil or blank otherwise); an empty `memo` repeats the request's.
    @discardableResult
    func confirm(amountText: String?, memo: String) -> Task<Void, Never>? {
        guard case let .confirm(qr, _) = state.step, !state.busy else { return nil }
        let typed = (amountText ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let memo = memo.trimmingCharacters(in: .whitespacesAndNewlines)
        state.busy = true
        state.message = nil
        return Task {
            defer { state.busy = false }
            do {
                let (step, note) = try await host.transact { service -> (Step, UserMessage?) in
                    var amountMinor: UInt64?
                    if !typed.isEmpty {
                        amountMinor = try await service.parseAmount(typed)
                    }
                    do {
                        let payment = try await service.payRequest(qr, amountMinor: amountMinor, memo: memo)
                        let shown = try Self.showing(payment, shownAgain: false)
                        return (shown, nil)
                    } catch let error as WalletError {
                        guard case let .AlreadyPaid(_, transferId) = error,
                              let earlier = try await service.paidBefore(transferId: transferId)
                        else { throw error }
                        let shown = try Self.showing(earlier, shownAgain: true)
                        return (shown, UserMessage.of(error))
                    }
                }
                state.step = step
                state.message = note
            } catch {
                state.message = UserMessage.of(error)
            }
        }
    }

    /// The payee has scanned the transfer: the camera opens for their receipt.
    func awaitReceipt() {
        guard case let .showTransfer(payment, qr, _) = state.step else { return }
        state.step = .waitReceipt(payment: payment, qr: qr)
    }

    /// The payee's receipt, scanned while the transfer is shown or the camera waits for it.
    @discardableResult
    func receiptScanned(_ text: String) -> Task<Void, Never>? {
        let payment: Payment
        switch state.step {
        case let .showTransfer(shown, _, _), let .waitReceipt(shown, _):
            payment = shown
        case .scan, .confirm, .done:
            return nil
        }
        guard !state.busy else { return nil }
        let route = ScanRouter.route(text)
        guard case let .confirmReceipt(qr) = route else {
            state.message = ScanRouter.wrongCode(route, wanted: .receipt)
            return nil
        }
        state.busy = true
        state.message = nil
        return Task {
            defer { state.busy = false }
            do {
                let confirmed = try await host.transact { try await $0.confirmReceipt(qr) }
                if confirmed.transferId == payment.transferId {
                    state.step = .done(confirmed)
                } else {
                    // A receipt for an earlier transfer is worth recording, but it does not end this one.
                    let earlier = Format.shortId(confirmed.transferId)
                    state.message = .info(
                        "That receipt is for an earlier payment (\(earlier)), now recorded. Scan the receipt for this one."
                    )
                }
            } catch {
                state.message = UserMessage.of(error)
            }
        }
    }

    /// Back to scanning. A transfer already made stays made: the history shows it awaiting its
    /// receipt. Ignored while a call runs, so a payment under way always ends on its transfer.
    func cancel() {
        guard !state.busy else { return }
        state.step = .scan
        state.message = nil
    }

    private static func showing(_ payment: Payment, shownAgain: Bool) throws -> Step {
        let qr = try QrPicture.of(payment.qrText)
        return .showTransfer(payment: payment, qr: qr, shownAgain: shownAgain)
    }
}
