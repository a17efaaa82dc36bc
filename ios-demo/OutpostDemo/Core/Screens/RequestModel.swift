import Combine
import Foundation
import OutpostWallet

/// Request money: the payee types an amount (or leaves it blank for the payer to choose) and a
/// memo, and the screen shows a signed payment request as a QR code for the payer to scan, with a
/// countdown to its expiry (`expiry()`). Then the payee scans the payer's transfer (Receive).
@MainActor
final class RequestModel: ObservableObject {
    struct State: Equatable {
        var request: PaymentRequest?
        var qr: QrPicture?
        var busy = false
        var message: UserMessage?
    }

    /// Long enough to hand a phone across a counter, short enough that a stray photo is useless.
    nonisolated static let defaultValidForSecs: UInt64 = 600

    @Published private(set) var state = State()
    private let host: WalletHost

    init(host: WalletHost) {
        self.host = host
    }

    /// A request for `amountText` as typed ("3,000"; blank: the payer chooses), valid `validForSecs`.
    @discardableResult
    func create(
        amountText: String,
        memo: String,
        validForSecs: UInt64 = RequestModel.defaultValidForSecs
    ) -> Task<Void, Never>? {
        guard !state.busy else { return nil }
        let amountText = amountText.trimmingCharacters(in: .whitespacesAndNewlines)
        let memo = memo.trimmingCharacters(in: .whitespacesAndNewlines)
        state.busy = true
        state.message = nil
        state.request = nil
        state.qr = nil
        return Task {
            defer { state.busy = false }
            do {
                let request = try await host.call { service in
                    var amountMinor: UInt64?
                    if !amountText.isEmpty {
                        amountMinor = try await service.parseAmount(amountText)
                    }
                    return try await service.createRequest(amountMinor: amountMinor, memo: memo, validForSecs: validForSecs)
                }
                state.qr = try QrPicture.of(request.qrText)
                state.request = request
            } catch {
                state.message = UserMessage.of(error)
            }
        }
    }

    /// "expires in 9 min" for the request shown, by the host's clock now; nil when there is none.
    func expiry() -> String? {
        state.request.map { Format.expiresIn(expiresAt: $0.expiresAt, nowSecs: host.clock.nowSecs()) }
    }

    /// Back to the form, for a new request.
    func clear() {
        guard !state.busy else { return }
        state = State()
    }
}
