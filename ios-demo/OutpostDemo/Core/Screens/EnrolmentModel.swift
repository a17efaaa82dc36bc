import Combine
import Foundation
import OutpostWallet

/// Enrolment: the member types the id the finance officer gave them and the screen shows the
/// wallet's enrolment code for the officer to scan. Before that the wallet pins the ledger key the
/// build was provisioned with, so it will only ever trust answers signed by that ledger; a wallet
/// already pinned to another ledger is refused with the wallet's reason and shows no code.
@MainActor
final class EnrolmentModel: ObservableObject {
    struct State: Equatable {
        var memberId: String?
        var qr: QrPicture?
        var busy = false
        var message: UserMessage?
    }

    @Published private(set) var state = State()
    private let host: WalletHost
    private let settings: LedgerSettings

    init(host: WalletHost, settings: LedgerSettings) {
        self.host = host
        self.settings = settings
    }

    /// The fingerprint to read aloud beside the code: the officer's screen shows the same.
    var fingerprint: String {
        host.identity.map(Format.fingerprint) ?? ""
    }

    @discardableResult
    func show(memberId: String) -> Task<Void, Never>? {
        let id = memberId.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !state.busy else { return nil }
        guard !id.isEmpty else {
            state.message = .problem("Type the member id your finance officer gave you.")
            return nil
        }
        guard !settings.keyHex.isEmpty else {
            state.message = .problem(
                "This build of the app has no ledger key, so it cannot enrol. Build it again with " +
                    "OUTPOST_LEDGER_KEY set in Config/Ledger.xcconfig (see README.md)."
            )
            return nil
        }
        state.busy = true
        state.message = nil
        state.memberId = id
        state.qr = nil
        let keyHex = settings.keyHex
        return Task {
            defer { state.busy = false }
            do {
                let text = try await host.transact { service in
                    // Pinning the key already pinned changes nothing; another key is refused.
                    try await service.pinLedgerKey(keyHex)
                    return try await service.enrolmentQr(memberId: id)
                }
                state.qr = try QrPicture.of(text)
            } catch {
                state.message = UserMessage.of(error)
            }
        }
    }
}
