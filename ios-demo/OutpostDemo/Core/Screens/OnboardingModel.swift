import Combine
import Foundation
import OutpostWallet

/// First run: the member chooses a PIN, types it again, says whether Face ID or Touch ID should
/// guard the device key too (asked only when the phone has it), and the wallet is made. A PIN typed
/// differently the second time goes back to choosing, saying so; a PIN the wallet refuses (too
/// short) goes back to choosing with the wallet's reason. Any other failure goes back to the step
/// that started it (biometric, or confirming without it) with its message, to try again.
///
/// The PIN is held here between steps, never in the state. Like every screen model: actions
/// return at once, an action made while `busy` is ignored, and each returns the task it started
/// (nil when it started none) so a test can await it.
@MainActor
final class OnboardingModel: ObservableObject {
    enum Step: Equatable {
        case choosePin
        case confirmPin
        /// Skipped on a phone without Face ID or Touch ID.
        case biometric
        case creating
        case done
    }

    struct State: Equatable {
        var step: Step = .choosePin
        var biometricAvailable: Bool
        /// The new wallet's identity, once made.
        var identity: Identity?
        var busy = false
        var message: UserMessage?
    }

    /// What the confirm step says when the second PIN differs from the first.
    nonisolated static let mismatch = "The PINs did not match. Choose a PIN again."

    @Published private(set) var state: State
    private let host: WalletHost
    private let currency: String
    private var chosenPin: String?

    init(host: WalletHost, currency: String) {
        self.host = host
        self.currency = currency
        state = State(biometricAvailable: host.keys.biometricAvailable)
    }

    func choosePin(_ pin: String) {
        guard state.step == .choosePin else { return }
        chosenPin = pin
        state.step = .confirmPin
        state.message = nil
    }

    @discardableResult
    func confirmPin(_ pin: String) -> Task<Void, Never>? {
        guard state.step == .confirmPin else { return nil }
        guard pin == chosenPin else {
            chosenPin = nil
            state.step = .choosePin
            state.message = .problem(Self.mismatch)
            return nil
        }
        if state.biometricAvailable {
            state.step = .biometric
            state.message = nil
            return nil
        }
        return create(biometric: false)
    }

    /// On the biometric step: `enabled` asks for Face ID or Touch ID whenever the device key is used.
    @discardableResult
    func chooseBiometric(_ enabled: Bool) -> Task<Void, Never>? {
        guard state.step == .biometric else { return nil }
        return create(biometric: enabled)
    }

    /// One step back: from confirming to choosing (the PIN is forgotten), from biometric to confirming.
    func back() {
        switch state.step {
        case .confirmPin:
            chosenPin = nil
            state.step = .choosePin
            state.message = nil
        case .biometric:
            state.step = .confirmPin
            state.message = nil
        case .choosePin, .creating, .done:
            return
        }
    }

    private func create(biometric: Bool) -> Task<Void, Never>? {
        guard !state.busy, let pin = chosenPin else { return nil }
        state.busy = true
        state.message = nil
        state.step = .creating
        return Task {
            defer { state.busy = false }
            do {
                let identity = try await host.create(pin: pin, currency: currency, biometric: biometric)
                chosenPin = nil
                state.step = .done
                state.identity = identity
            } catch let error as WalletError {
                if case .InvalidPin = error {
                    chosenPin = nil
                    state.step = .choosePin
                } else {
                    state.step = state.biometricAvailable ? .biometric : .confirmPin
                }
                state.message = UserMessage.of(error)
            } catch {
                state.step = state.biometricAvailable ? .biometric : .confirmPin
                state.message = UserMessage.of(error)
            }
        }
    }
}
