package org.outpost.demo.core

import kotlinx.coroutines.CoroutineScope
import org.outpost.wallet.WalletException

/**
 * The PIN screen's state. [triesLeft] is known after the first wrong PIN (null before);
 * [retryAfterSecs] is how long to keep the keypad disabled after it; [lockedOut] means this
 * device will never open the wallet again.
 */
data class UnlockState(
    val unlocked: Boolean = false,
    val triesLeft: Int? = null,
    val retryAfterSecs: Long = 0,
    val lockedOut: Boolean = false,
    override val busy: Boolean = false,
    override val message: UserMessage? = null,
) : ScreenState

/**
 * The PIN screen shown while the wallet is locked: it unlocks with the PIN (and the device key,
 * which may ask for a fingerprint). A wrong PIN says how many tries are left and how long to wait;
 * a cancelled fingerprint prompt says so and costs no try; a lock-out is final.
 */
class UnlockModel(private val host: WalletHost, scope: CoroutineScope) :
    ScreenModel<UnlockState>(scope, UnlockState(unlocked = host.session.value is Session.Unlocked)) {

    fun unlock(pin: String) {
        if (state.value.lockedOut) return
        act {
            host.unlock(pin)
            update { it.copy(unlocked = true, triesLeft = null, retryAfterSecs = 0) }
        }
    }

    override fun UnlockState.withBusy(busy: Boolean) = copy(busy = busy)

    override fun UnlockState.withMessage(message: UserMessage?) = copy(message = message)

    override fun UnlockState.failedWith(error: Throwable): UnlockState {
        val message = UserMessage.of(error)
        return when (error) {
            is WalletException.PinIncorrect ->
                copy(message = message, triesLeft = error.triesLeft.toInt(), retryAfterSecs = message.retryAfterSecs)
            is WalletException.PinDelayed ->
                copy(message = message, triesLeft = error.triesLeft.toInt(), retryAfterSecs = message.retryAfterSecs)
            is WalletException.LockedOut -> copy(message = message, triesLeft = 0, lockedOut = true)
            else -> copy(message = message, retryAfterSecs = 0)
        }
    }
}
