import Combine
import Foundation
import OutpostWallet

/// History: every offline transfer, newest first, `pageSize` at a time, each with who, how much,
/// what for, when and where it stands (awaiting receipt, delivered, settled…). It loads when made
/// and reloads itself after every payment, receipt, sync and unlock, keeping as many rows as were
/// shown.
@MainActor
final class HistoryModel: ObservableObject {
    /// One transfer as the list shows it. `amount` carries its sign ("−¥3,000" sent, "+¥3,000"
    /// received); `ago` was worked out at load time from `time` (Unix seconds).
    struct Row: Identifiable, Equatable {
        /// The transfer id (hex).
        let id: String
        let direction: Direction
        let amount: String
        let counterparty: String
        let memo: String
        let status: StatusLabel
        let ago: String
        let time: UInt64
        /// Orders the wallet's history: the `before` of the page after this row.
        let position: UInt64

        init(entry: HistoryEntry, nowSecs: UInt64) {
            id = entry.transferId
            direction = entry.direction
            amount = Format.signedAmount(entry.amount, direction: entry.direction)
            counterparty = Format.counterparty(entry)
            memo = entry.memo
            status = Format.status(entry.status, direction: entry.direction)
            ago = Format.ago(thenSecs: entry.time, nowSecs: nowSecs)
            time = entry.time
            position = entry.position
        }
    }

    struct State: Equatable {
        var rows: [Row] = []
        /// The rows shown are all there is.
        var endReached = false
        var busy = false
        var message: UserMessage?
    }

    nonisolated static let defaultPageSize = 50

    @Published private(set) var state = State()
    private let host: WalletHost
    private let pageSize: Int
    /// The read under way or last started; the next one waits for it, so a reload and a next page
    /// never interleave.
    private var reading: Task<Void, Never>?
    private var subscriptions: Set<AnyCancellable> = []

    init(host: WalletHost, pageSize: Int = HistoryModel.defaultPageSize) {
        self.host = host
        self.pageSize = pageSize
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

    /// Reads the newest rows again, as many as are shown (a page at least).
    @discardableResult
    func refresh() -> Task<Void, Never> {
        enqueue {
            let limit = max(self.pageSize, self.state.rows.count)
            guard let rows = await self.page(before: nil, limit: limit) else { return }
            self.state.rows = rows
            self.state.endReached = rows.count < limit
        }
    }

    /// The next page after the last row shown, unless the list is complete. Ignored while busy.
    @discardableResult
    func loadMore() -> Task<Void, Never>? {
        guard !state.busy, !state.endReached else { return nil }
        return enqueue {
            // Where the page starts is decided when it runs, after any reload asked for first.
            guard !self.state.endReached, let last = self.state.rows.last else { return }
            guard let rows = await self.page(before: last.position, limit: self.pageSize) else { return }
            self.state.rows += rows
            self.state.endReached = rows.count < self.pageSize
        }
    }

    private func enqueue(_ read: @escaping @MainActor () async -> Void) -> Task<Void, Never> {
        let previous = reading
        let task = Task {
            await previous?.value
            state.busy = true
            await read()
            state.busy = false
        }
        reading = task
        return task
    }

    /// A page of rows, or nil after putting the failure in the message.
    private func page(before: UInt64?, limit: Int) async -> [Row]? {
        do {
            let entries = try await host.call { try await $0.history(before: before, limit: UInt32(clamping: limit)) }
            let now = host.clock.nowSecs()
            state.message = nil
            return entries.map { Row(entry: $0, nowSecs: now) }
        } catch {
            state.message = UserMessage.of(error)
            return nil
        }
    }
}
