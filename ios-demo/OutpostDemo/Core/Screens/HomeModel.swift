import Combine
import Foundation
import OutpostWallet

/// Home: the balances at a glance, nil until the first load: what the offline purse can still pay,
/// received and sent transfers the ledger has not settled yet, the online account as the ledger
/// last said, what the member owes after a double-spend debit, money the ledger still holds for
/// the member (a revoked or expired purse's remainder, each with why and when it comes back,
/// `HeldMoney.text`), the ledger's risk notices, and
/// `lastSync`, the ledger time (Unix seconds) of the newest checkpoint, nil before any sync.
///
/// It loads when made, again after every payment, receipt and sync anywhere in the app (the host's
/// `changes`) and after every unlock, so it never shows a stale purse.
@MainActor
final class HomeModel: ObservableObject {
    struct State: Equatable {
        var purse: Money?
        var pendingIn: Money?
        var pendingOut: Money?
        var online: Money?
        var owed: Money?
        var held: [HeldMoney] = []
        var notices: [RiskNotice] = []
        var lastSync: UInt64?
        /// Whether the wallet has a ledger key pinned, that is, has been through enrolment.
        var enrolled = false
        var busy = false
        var message: UserMessage?
    }

    @Published private(set) var state = State()
    private let host: WalletHost
    private var loading: Task<Void, Never>?
    private var subscriptions: Set<AnyCancellable> = []

    init(host: WalletHost) {
        self.host = host
        host.changes
            .sink { [weak self] _ in
                _ = self?.refresh()
            }
            .store(in: &subscriptions)
        // `$session` publishes before the session changes; the load runs after it has.
        host.$session
            .dropFirst()
            .sink { [weak self] session in
                if case .unlocked = session {
                    _ = self?.refresh()
                }
            }
            .store(in: &subscriptions)
        refresh()
    }

    /// Loads the balances. Loads run one after another, each after the one asked before it, so
    /// the last one asked for shows the newest state.
    @discardableResult
    func refresh() -> Task<Void, Never> {
        let previous = loading
        let task = Task {
            await previous?.value
            await load()
        }
        loading = task
        return task
    }

    /// "Last sync: 3 min ago", or "Not synced yet".
    func lastSyncText() -> String {
        guard let lastSync = state.lastSync else { return "Not synced yet" }
        return "Last sync: " + Format.ago(thenSecs: lastSync, nowSecs: host.clock.nowSecs())
    }

    private func load() async {
        state.busy = true
        defer { state.busy = false }
        do {
            let overview = try await host.call { try await $0.overview() }
            state.purse = overview.balances.offlinePurse
            state.pendingIn = overview.balances.pendingIncoming
            state.pendingOut = overview.balances.pendingOutgoing
            state.online = overview.balances.online
            state.owed = overview.balances.owed
            state.held = overview.held
            state.notices = overview.notices
            state.lastSync = overview.checkpoint?.time
            state.enrolled = overview.ledgerKey != nil
            state.message = nil
        } catch {
            state.message = UserMessage.of(error)
        }
    }
}
