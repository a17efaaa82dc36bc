import OutpostWallet
import SwiftUI

/// Unlocking the wallet: the PIN, then Face ID when the device key asks for it.
@MainActor
struct UnlockView: View {
    @StateObject private var model: UnlockModel
    @State private var pin = ""
    private let identity: Identity

    init(host: WalletHost, identity: Identity) {
        _model = StateObject(wrappedValue: UnlockModel(host: host))
        self.identity = identity
    }

    var body: some View {
        VStack(spacing: 20) {
            Text("Unlock your wallet")
                .font(.largeTitle.bold())
            Text("Wallet \(Format.fingerprint(identity))")
                .font(.system(.footnote, design: .monospaced))
                .foregroundStyle(.secondary)
            // Ticks every second for the wait after a wrong PIN.
            TimelineView(.periodic(from: .now, by: 1)) { _ in
                form(waitSecs: model.secondsUntilRetry())
            }
            MessageView(message: model.state.message)
            Spacer()
        }
        .padding()
    }

    private func form(waitSecs: UInt64) -> some View {
        VStack(spacing: 12) {
            SecureField("PIN", text: $pin)
                .keyboardType(.numberPad)
                .textFieldStyle(.roundedBorder)
                .frame(maxWidth: 240)
                .disabled(model.state.lockedOut || model.state.busy)
            Button {
                let entered = pin
                pin = ""
                model.unlock(pin: entered)
            } label: {
                Text("Unlock")
            }
            .buttonStyle(.borderedProminent)
            .disabled(pin.isEmpty || model.state.busy || model.state.lockedOut || waitSecs > 0)
            if model.state.busy {
                ProgressView("Checking the PIN…")
            } else if waitSecs > 0 {
                Text("You can try again in \(Format.duration(waitSecs)).")
                    .font(.callout)
                    .monospacedDigit()
            }
        }
    }
}

/// A wallet file that would not open, and why.
@MainActor
struct UnopenableView: View {
    let message: UserMessage

    var body: some View {
        VStack(spacing: 20) {
            Text("This wallet cannot be opened")
                .font(.title2)
            MessageView(message: message)
            Text("Nothing was changed or deleted. Show this message to your finance officer.")
                .foregroundStyle(.secondary)
            Spacer()
        }
        .padding()
    }
}
