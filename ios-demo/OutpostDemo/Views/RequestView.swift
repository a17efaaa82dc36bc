import OutpostWallet
import SwiftUI

/// Requesting a payment: the request as a QR code for the payer to scan.
@MainActor
struct RequestView: View {
    @StateObject private var model: RequestModel
    @State private var amount = ""
    @State private var memo = ""

    init(host: WalletHost) {
        _model = StateObject(wrappedValue: RequestModel(host: host))
    }

    var body: some View {
        Form {
            if let request = model.state.request, let qr = model.state.qr {
                Section {
                    QRCodeView(picture: qr)
                        .accessibilityLabel("Payment request code")
                    LabeledContent("Amount", value: request.amount?.text ?? "The payer chooses")
                    if !request.memo.isEmpty {
                        LabeledContent("What for", value: request.memo)
                    }
                    TimelineView(.periodic(from: .now, by: 1)) { _ in
                        Text(model.expiry() ?? "")
                            .monospacedDigit()
                            .foregroundStyle(.secondary)
                    }
                } footer: {
                    Text("The payer scans this code, then shows you their payment: scan it on the Receive tab.")
                }
                Section {
                    Button("New request") {
                        amount = ""
                        memo = ""
                        model.clear()
                    }
                }
            } else {
                Section {
                    TextField("Amount (leave blank for the payer to choose)", text: $amount)
                        .keyboardType(.decimalPad)
                    TextField("What for (optional)", text: $memo)
                    Button("Show request") { model.create(amountText: amount, memo: memo) }
                        .disabled(model.state.busy)
                }
            }
            MessageView(message: model.state.message)
        }
        .navigationTitle("Request a payment")
    }
}
