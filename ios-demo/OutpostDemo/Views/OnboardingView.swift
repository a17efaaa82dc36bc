import SwiftUI

/// Setting up the wallet on this iPhone.
@MainActor
struct OnboardingView: View {
    @StateObject private var model: OnboardingModel

    init(host: WalletHost, currency: String) {
        _model = StateObject(wrappedValue: OnboardingModel(host: host, currency: currency))
    }

    var body: some View {
        ScrollView {
            VStack(spacing: 20) {
                Text("Set up your wallet")
                    .font(.largeTitle.bold())
                Text(
                    "Your wallet lives on this phone. It pays and is paid by QR code, with no network, " +
                        "and settles with the ledger whenever the phone is online."
                )
                .foregroundStyle(.secondary)
                step
                MessageView(message: model.state.message)
            }
            .padding()
        }
    }

    @ViewBuilder
    private var step: some View {
        switch model.state.step {
        case .choosePin:
            PinEntry(title: "Choose a PIN", action: "Next") { model.choosePin($0) }
        case .confirmPin:
            PinEntry(title: "Type the PIN again", action: "Next") { model.confirmPin($0) }
            Button("Back") { model.back() }
        case .biometric:
            biometricChoice
        case .creating, .done:
            ProgressView("Making your wallet. This takes a few seconds.")
        }
    }

    private var biometricChoice: some View {
        VStack(spacing: 16) {
            Text("Also ask for Face ID or Touch ID?")
                .font(.title2)
            Text(
                "Then the wallet opens only with your PIN and your face (or fingerprint). If the faces or " +
                    "fingerprints on this iPhone are changed later, iOS invalidates the key that guards the " +
                    "wallet and it can no longer be opened here: your finance officer then enrols a new one."
            )
            .font(.callout)
            .foregroundStyle(.secondary)
            Button("Use Face ID or Touch ID") { model.chooseBiometric(true) }
                .buttonStyle(.borderedProminent)
            Button("PIN only") { model.chooseBiometric(false) }
            Button("Back") { model.back() }
        }
    }
}

/// One PIN field and its button. Each step gets a fresh one, so a PIN typed for one step is gone
/// by the next.
@MainActor
struct PinEntry: View {
    let title: String
    let action: String
    let onDone: (String) -> Void

    @State private var pin = ""
    @FocusState private var focused: Bool

    var body: some View {
        VStack(spacing: 12) {
            Text(title)
                .font(.title2)
            Text("At least 6 digits. Every wrong PIN makes the next try wait longer, and too many lock the wallet for good.")
                .font(.callout)
                .foregroundStyle(.secondary)
                .multilineTextAlignment(.center)
            SecureField("PIN", text: $pin)
                .keyboardType(.numberPad)
                .textFieldStyle(.roundedBorder)
                .focused($focused)
                .frame(maxWidth: 240)
            Button(action) {
                let entered = pin
                pin = ""
                onDone(entered)
            }
            .buttonStyle(.borderedProminent)
            .disabled(pin.isEmpty)
        }
        .onAppear { focused = true }
    }
}
