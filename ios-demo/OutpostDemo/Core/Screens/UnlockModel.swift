import Combine
import Foundation
import OutpostWallet

/// The PIN screen shown while the wallet is locked: it unlocks with the PIN (and the device key,
/// which may ask for Face ID). A wrong PIN says how many tries are left and how long to wait; a
/// cancelled Face ID prompt says so and costs no try; a lock-out is final.
///
/// Wrong PINs are counted by the wallet, in its file, before they are checked; this screen only
/// shows what the wallet says.
@MainActor
final class UnlockModel: ObservableObject {
    struct State: Equatable {
        var unlocked = false
        /// Known after the first wrong PIN; nil before.
        var triesLeft: UInt32?
        /// How long to keep the PIN field disabled after a wrong PIN.
        var retryAfterSecs: UInt64 = 0
        /// This device will never open the wallet again.
        var lockedOut = false
        var busy = false
        var message: UserMessage?
    }

    @Published private(set) var state = State()
    private let host: WalletHost
    /// Clock time at which the next try is accepted, for the countdown.
    private var retryAt: UInt64 = 0

    init(host: WalletHost) {
        self.host = host
        if case .unlocked = host.session {
            state.unlocked = true
        }
    }

    @discardableResult
    func unlock(pin: String) -> Task<Void, Never>? {
        guard !state.busy, !state.lockedOut else { return nil }
        state.busy = true
        state.message = nil
        return Task {
            defer { state.busy = false }
            do {
                try await host.unlock(pin: pin)
                state.unlocked = true
                state.triesLeft = nil
                state.retryAfterSecs = 0
                retryAt = 0
            } catch {
                failed(with: error)
            }
        }
    }

    /// Seconds the member must still wait before the next try.
    func secondsUntilRetry() -> UInt64 {
        let now = host.clock.nowSecs()
        return retryAt > now ? retryAt - now : 0
    }

    private func failed(with error: Error) {
        let message = UserMessage.of(error)
        state.message = message
        state.retryAfterSecs = 0
        if let error = error as? WalletError {
            switch error {
            case let .PinIncorrect(_, triesLeft, _, _, _), let .PinDelayed(_, _, triesLeft):
                state.triesLeft = triesLeft
                state.retryAfterSecs = message.retryAfterSecs
            case .LockedOut:
                state.triesLeft = 0
                state.lockedOut = true
            default:
                // Not a PIN outcome (a cancelled prompt, a device key that is gone): the message says it.
                break
            }
        }
        retryAt = host.clock.nowSecs() + state.retryAfterSecs
    }
}
