import OutpostWallet
import SwiftUI

/// Every offline transfer, newest first; older pages load as the list reaches its end.
@MainActor
struct HistoryView: View {
    @StateObject private var model: HistoryModel

    init(host: WalletHost) {
        _model = StateObject(wrappedValue: HistoryModel(host: host))
    }

    var body: some View {
        List {
            ForEach(model.state.rows) { row in
                HistoryRow(row: row)
                    .onAppear {
                        if row.id == model.state.rows.last?.id {
                            model.loadMore()
                        }
                    }
            }
            if model.state.rows.isEmpty, !model.state.busy, model.state.message == nil {
                Text("No payments yet.")
                    .foregroundStyle(.secondary)
            }
            if model.state.busy {
                ProgressView("Loading…")
            }
            MessageView(message: model.state.message)
        }
        .navigationTitle("History")
        .refreshable {
            await model.refresh().value
        }
    }
}

@MainActor
struct HistoryRow: View {
    let row: HistoryModel.Row

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            HStack {
                Text(row.counterparty)
                Spacer()
                Text(row.amount)
                    .monospacedDigit()
                    .foregroundStyle(row.direction == .sent ? Color.primary : Color.green)
            }
            if !row.memo.isEmpty {
                Text(row.memo)
                    .font(.callout)
                    .foregroundStyle(.secondary)
            }
            HStack {
                StatusText(label: row.status)
                Spacer()
                Text("\(row.ago) · \(Format.shortId(row.id))")
                    .font(.caption)
                    .foregroundStyle(.secondary)
            }
        }
        .accessibilityElement(children: .combine)
    }
}
