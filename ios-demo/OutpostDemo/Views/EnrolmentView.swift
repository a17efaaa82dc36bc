import SwiftUI

/// The enrolment code: the finance officer scans it to enrol this wallet under the member's id,
/// and both read the fingerprint aloud to check it is this wallet.
@MainActor
struct EnrolmentView: View {
    @StateObject private var model: EnrolmentModel
    @State private var memberId = ""
    @Environment(\.dismiss) private var dismiss

    init(host: WalletHost, settings: LedgerSettings) {
        _model = StateObject(wrappedValue: EnrolmentModel(host: host, settings: settings))
    }

    var body: some View {
        Form {
            Section {
                Text(
                    "Your finance officer scans this code to enrol your wallet under your member id. " +
                        "Other members can scan it to save you as a contact."
                )
                .foregroundStyle(.secondary)
                TextField("Member id (from your finance officer)", text: $memberId)
                    .textInputAutocapitalization(.characters)
                    .autocorrectionDisabled()
                Button("Show my code") { model.show(memberId: memberId) }
                    .disabled(model.state.busy)
            }
            if let qr = model.state.qr, let shownFor = model.state.memberId {
                Section {
                    QRCodeView(picture: qr)
                        .accessibilityLabel("Enrolment code for member \(shownFor)")
                    Text("Fingerprint: \(model.fingerprint)")
                        .font(.system(.body, design: .monospaced))
                    Text("Read the fingerprint aloud: the officer's screen must show the same.")
                        .font(.callout)
                        .foregroundStyle(.secondary)
                    // The code holds public keys and the member id only, so it may travel as text
                    // to an officer with no camera at hand (`outpost ledger enrol` takes the text).
                    ShareLink(item: qr.text) {
                        Label("Share the code as text", systemImage: "square.and.arrow.up")
                    }
                }
            }
            if model.state.busy {
                ProgressView()
            }
            MessageView(message: model.state.message)
        }
        .navigationTitle("Your enrolment code")
        .toolbar {
            Button("Done") { dismiss() }
        }
    }
}
