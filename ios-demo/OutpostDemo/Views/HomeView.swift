import OutpostWallet
import SwiftUI

/// The balances at a glance, what the ledger flagged, and the way to sync.
@MainActor
struct HomeView: View {
    @StateObject private var model: HomeModel
    @StateObject private var sync: SyncModel
    @State private var purseAmount = ""
    @State private var showingCode = false
    private let host: WalletHost
    private let settings: LedgerSettings

    init(host: WalletHost, settings: LedgerSettings) {
        _model = StateObject(wrappedValue: HomeModel(host: host))
        _sync = StateObject(wrappedValue: SyncModel(host: host, settings: settings))
        self.host = host
        self.settings = settings
    }

    var body: some View {
        List {
            balances
            if !model.state.notices.isEmpty {
                notices
            }
            syncSection
            Section {
                Button(model.state.enrolled ? "My code" : "Enrol with the ledger") { showingCode = true }
            }
        }
        .navigationTitle("Outpost")
        .toolbar {
            Button("Lock") { host.lock() }
        }
        .refreshable {
            await model.refresh().value
        }
        .sheet(isPresented: $showingCode) {
            NavigationStack {
                EnrolmentView(host: host, settings: settings)
            }
        }
    }

    private var balances: some View {
        Section {
            AmountRow(title: "Offline purse", money: model.state.purse)
            AmountRow(title: "Online account", money: model.state.online)
            AmountRow(title: "Received, not settled", money: model.state.pendingIn)
            AmountRow(title: "Paid, not settled", money: model.state.pendingOut)
            if let owed = model.state.owed, owed.minor > 0 {
                AmountRow(title: "Owed to the ledger", money: owed)
                    .foregroundStyle(.red)
            }
            // A revoked or expired purse's remainder: not on this phone, not lost, and the
            // wallet's own sentence says why and when it comes back.
            ForEach(model.state.held, id: \.self) { held in
                AmountRow(title: "Held at the ledger", money: held.amount)
                Text(held.text)
                    .font(.footnote)
                    .foregroundStyle(.secondary)
            }
            MessageView(message: model.state.message)
        }
    }

    private var notices: some View {
        Section {
            ForEach(model.state.notices, id: \.self) { notice in
                // The wallet's own sentence: what the ledger saw and what to do, then the rule, its
                // score and when.
                Text(notice.text)
                    .font(.callout)
            }
        } header: {
            Text("The ledger flagged")
                .foregroundStyle(.red)
        }
    }

    private var syncSection: some View {
        Section {
            Text("When the phone is online: send what you paid and received, and learn what the ledger settled.")
                .font(.callout)
                .foregroundStyle(.secondary)
            Button("Sync now") { sync.sync() }
                .disabled(sync.state.busy)
            HStack {
                TextField("Load the offline purse with", text: $purseAmount)
                    .keyboardType(.decimalPad)
                Button("Sync and load") { sync.loadPurse(amountText: purseAmount) }
                    .disabled(sync.state.busy || purseAmount.isEmpty)
            }
            if sync.state.busy {
                ProgressView("Syncing with the ledger…")
            }
            if let summary = sync.state.summary {
                Text(summary)
            }
            MessageView(message: sync.state.message)
            Text(model.lastSyncText())
                .font(.caption)
                .foregroundStyle(.secondary)
        }
    }
}

/// One balance: what it is, and how much ("–" until loaded).
@MainActor
struct AmountRow: View {
    let title: String
    let money: Money?

    var body: some View {
        HStack {
            Text(title)
            Spacer()
            Text(money?.text ?? "–")
                .font(.title3.monospacedDigit())
        }
        .accessibilityElement(children: .combine)
    }
}
