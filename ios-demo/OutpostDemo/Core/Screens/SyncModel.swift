import Combine
import Foundation
import OutpostWallet

/// Sync: when the phone is online, the wallet uploads what it paid and received offline, learns
/// what the ledger settled, and can load a fresh offline purse from the online account. No network
/// is an ordinary outcome, not an error: nothing is lost, the same sync is simply tried again later.
@MainActor
final class SyncModel: ObservableObject {
    struct State: Equatable {
        /// The last sync's report, and `summary`, the wallet's lines on what it did.
        var report: SyncReport?
        var summary: String?
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

    /// Syncs; `purseMinor` also asks for a purse of that much (minor units), the old one closed first.
    @discardableResult
    func sync(purseMinor: UInt64? = nil) -> Task<Void, Never>? {
        run { _ in purseMinor }
    }

    /// Syncs and loads a purse of `amountText` as typed ("10,000"), read in the wallet's currency.
    @discardableResult
    func loadPurse(amountText: String) -> Task<Void, Never>? {
        run { service in try await service.parseAmount(amountText) }
    }

    private func run(purseMinor: @escaping (WalletService) async throws -> UInt64?) -> Task<Void, Never>? {
        guard !state.busy else { return nil }
        guard let ledger = settings.ledgerURL else {
            state.message = .problem(
                "This build of the app has no ledger address. Build it again with OUTPOST_LEDGER_URL set " +
                    "in Config/Ledger.xcconfig (see README.md)."
            )
            return nil
        }
        state.busy = true
        state.message = nil
        let transport = host.transports.transport(ledger)
        return Task {
            defer { state.busy = false }
            do {
                let report = try await host.transact { service in
                    let purse = try await purseMinor(service)
                    return try await service.sync(transport: transport, purseMinor: purse)
                }
                state.report = report
                state.summary = Format.syncSummary(report)
                // A checkpoint another phone showed that the ledger could not prove part of its
                // log is evidence against the ledger: the sync stands, the member is warned.
                if !report.checkpointWarnings.isEmpty {
                    state.message = .danger(report.checkpointWarnings.joined(separator: "\n"))
                }
            } catch {
                state.message = UserMessage.of(error)
            }
        }
    }
}
