import OutpostWallet
import SwiftUI

/// Receiving, offline: scan the payer's payment code, show them the receipt.
@MainActor
struct ReceiveView: View {
    @StateObject private var model: ReceiveModel

    init(host: WalletHost) {
        _model = StateObject(wrappedValue: ReceiveModel(host: host))
    }

    var body: some View {
        ScrollView {
            VStack(spacing: 20) {
                switch model.state.step {
                case .scan:
                    ScannerPanel(prompt: "Scan the payment code on the payer's phone.") { model.scanned($0) }
                case let .showReceipt(accepted, receipt):
                    LabeledContent("Received", value: accepted.amount.text)
                    LabeledContent("From", value: accepted.senderMemberId)
                    if !accepted.memo.isEmpty {
                        LabeledContent("What for", value: accepted.memo)
                    }
                    QRCodeView(picture: receipt)
                        .accessibilityLabel("Receipt code for the payer")
                    Text(
                        "Let the payer scan this receipt. The money is yours once the ledger settles it, " +
                            "at the next sync of either phone."
                    )
                    .multilineTextAlignment(.center)
                    Button("Next payment") { model.reset() }
                        .buttonStyle(.borderedProminent)
                }
                if model.state.busy {
                    ProgressView("Working…")
                }
                MessageView(message: model.state.message)
            }
            .padding()
        }
        .navigationTitle("Receive")
    }
}
