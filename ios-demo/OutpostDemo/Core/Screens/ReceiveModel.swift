import Combine
import Foundation
import OutpostWallet

/// Receive a payment, offline: scan the transfer the payer shows; the wallet checks and keeps it
/// (pending until the ledger settles it) and the screen shows the receipt for the payer to scan.
/// The same transfer scanned again credits nothing and shows the same receipt, saying so. A second
/// transfer from the same purse slot is a double spend: not credited, kept as evidence, and shown
/// as a danger.
@MainActor
final class ReceiveModel: ObservableObject {
    enum Step: Equatable {
        /// The camera is looking for a transfer.
        case scan
        /// The transfer is taken in: show `qr`, the receipt, to the payer.
        case showReceipt(accepted: Accepted, qr: QrPicture)
    }

    struct State: Equatable {
        var step: Step = .scan
        var busy = false
        var message: UserMessage?
    }

    nonisolated static let alreadyAccepted =
        "Already received: nothing was credited again. Show this receipt to the payer."

    @Published private(set) var state = State()
    private let host: WalletHost

    init(host: WalletHost) {
        self.host = host
    }

    /// A scanned code, on the scan step.
    @discardableResult
    func scanned(_ text: String) -> Task<Void, Never>? {
        guard state.step == .scan, !state.busy else { return nil }
        let route = ScanRouter.route(text)
        guard case let .receive(qr) = route else {
            state.message = ScanRouter.wrongCode(route, wanted: .transfer)
            return nil
        }
        state.busy = true
        state.message = nil
        return Task {
            defer { state.busy = false }
            do {
                let accepted = try await host.transact { try await $0.accept(qr) }
                let receipt = try QrPicture.of(accepted.receiptQr)
                state.step = .showReceipt(accepted: accepted, qr: receipt)
                state.message = accepted.alreadyAccepted ? .info(Self.alreadyAccepted) : nil
            } catch {
                state.message = UserMessage.of(error)
            }
        }
    }

    /// Back to scanning, for the next payment.
    func reset() {
        guard !state.busy else { return }
        state.step = .scan
        state.message = nil
    }
}
