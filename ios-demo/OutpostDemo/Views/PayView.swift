import OutpostWallet
import SwiftUI

/// Paying, offline, in four steps: scan the payee's request; check who asks (their fingerprint,
/// read aloud), how much and what for, and confirm; show the payment's code to the payee; scan the
/// receipt their phone then shows.
@MainActor
struct PayView: View {
    @StateObject private var model: PayModel
    @State private var amount = ""
    @State private var memo = ""
    /// On the receipt step: the payment's code brought back, for a payee whose phone missed it.
    @State private var showingPaymentAgain = false
    private let host: WalletHost

    init(host: WalletHost) {
        _model = StateObject(wrappedValue: PayModel(host: host))
        self.host = host
    }

    var body: some View {
        ScrollView {
            VStack(spacing: 20) {
                step
                if model.state.busy {
                    ProgressView("Working…")
                }
                MessageView(message: model.state.message)
            }
            .padding()
        }
        .scrollDismissesKeyboard(.interactively)
        .navigationTitle("Pay")
    }

    @ViewBuilder
    private var step: some View {
        switch model.state.step {
        case .scan:
            ScannerPanel(prompt: "Scan the payee's request code.") { model.scanned($0) }
        case let .confirm(_, preview):
            confirm(preview)
        case let .showTransfer(payment, qr, shownAgain):
            if shownAgain {
                Text("You paid this request before: this is that same payment again, nothing more was paid.")
            }
            LabeledContent("Amount", value: payment.amount.text)
            QRCodeView(picture: qr)
                .accessibilityLabel("Payment code for the payee")
            Text("Let the payee scan this code. Their phone then shows a receipt.")
                .multilineTextAlignment(.center)
            Button("Scan their receipt") {
                showingPaymentAgain = false
                model.awaitReceipt()
            }
            .buttonStyle(.borderedProminent)
            .disabled(model.state.busy)
        case let .waitReceipt(_, qr):
            if showingPaymentAgain {
                QRCodeView(picture: qr)
                    .accessibilityLabel("Payment code for the payee")
                Button("Scan their receipt") { showingPaymentAgain = false }
                    .buttonStyle(.borderedProminent)
            } else {
                ScannerPanel(prompt: "Scan the receipt on the payee's phone.") { model.receiptScanned($0) }
                Button("Show my payment again") { showingPaymentAgain = true }
            }
        case let .done(confirmed):
            Text("Delivered: \(confirmed.amount.text)")
                .font(.title2)
            if confirmed.alreadyConfirmed {
                Text("This receipt had been scanned before.")
                    .font(.footnote)
            }
            Text("The ledger settles it at the next sync of either phone.")
                .font(.footnote)
                .foregroundStyle(.secondary)
            Button("Done") { startOver() }
                .buttonStyle(.borderedProminent)
        }
    }

    private func confirm(_ preview: RequestPreview) -> some View {
        VStack(alignment: .leading, spacing: 16) {
            Text("Check before you pay:")
                .font(.title3)
            LabeledContent("Paying") {
                Text(Format.fingerprint(preview.payee))
                    .font(.system(.body, design: .monospaced))
            }
            Text("Ask the payee to read out the fingerprint on their screen: it must be the same.")
                .font(.footnote)
                .foregroundStyle(.secondary)
            if model.amountNeeded {
                TextField("Amount to pay", text: $amount)
                    .keyboardType(.decimalPad)
                    .textFieldStyle(.roundedBorder)
            } else {
                LabeledContent("Amount", value: preview.amount?.text ?? "")
            }
            if !preview.memo.isEmpty {
                LabeledContent("What for", value: preview.memo)
            }
            TextField("Your note (optional)", text: $memo)
                .textFieldStyle(.roundedBorder)
            TimelineView(.periodic(from: .now, by: 1)) { _ in
                Text(Format.expiresIn(expiresAt: preview.expiresAt, nowSecs: host.clock.nowSecs()))
                    .font(.footnote)
                    .monospacedDigit()
                    .foregroundStyle(.secondary)
            }
            HStack {
                Button("Pay") {
                    model.confirm(amountText: model.amountNeeded ? amount : nil, memo: memo)
                }
                .buttonStyle(.borderedProminent)
                .disabled(model.state.busy || (model.amountNeeded && amount.isEmpty))
                Button("Cancel") { startOver() }
                    .disabled(model.state.busy)
            }
        }
    }

    private func startOver() {
        amount = ""
        memo = ""
        showingPaymentAgain = false
        model.cancel()
    }
}
