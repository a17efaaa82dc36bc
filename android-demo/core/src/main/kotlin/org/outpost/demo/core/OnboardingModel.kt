package org.outpost.demo.core

import kotlinx.coroutines.CoroutineScope
import org.outpost.wallet.Identity
import org.outpost.wallet.WalletException

/** The onboarding screen's state: which [step] it shows, and the new wallet's identity once made. */
data class OnboardingState(
    val step: OnboardingModel.Step = OnboardingModel.Step.ChoosePin,
    val biometricAvailable: Boolean = false,
    val identity: Identity? = null,
    override val busy: Boolean = false,
    override val message: UserMessage? = null,
) : ScreenState

/**
 * First run: the member chooses a PIN, types it again, says whether a fingerprint should guard the
 * device key too (only asked when the device has one), and the wallet is made. A PIN typed
 * differently the second time goes back to choosing, saying so; a PIN the wallet refuses (too
 * short, too simple) goes back to choosing with the wallet's reason. Any other failure goes back
 * to the step that started it (biometric, or confirming without one) with its message, so the
 * member can try again.
 *
 * The PIN is held here between steps, never in the state.
 */
class OnboardingModel(
    private val host: WalletHost,
    scope: CoroutineScope,
    private val currency: String = DEFAULT_CURRENCY,
) : ScreenModel<OnboardingState>(scope, OnboardingState(biometricAvailable = host.keys.biometricAvailable)) {
    /** The steps, in order; Biometric is skipped on a device without a fingerprint reader. */
    enum class Step { ChoosePin, ConfirmPin, Biometric, Creating, Done }

    @Volatile
    private var chosenPin: String? = null

    fun choosePin(pin: String) {
        if (state.value.step != Step.ChoosePin) return
        chosenPin = pin
        update { it.copy(step = Step.ConfirmPin, message = null) }
    }

    fun confirmPin(pin: String) {
        if (state.value.step != Step.ConfirmPin) return
        if (pin != chosenPin) {
            chosenPin = null
            update { it.copy(step = Step.ChoosePin, message = UserMessage.problem(MISMATCH)) }
            return
        }
        if (host.keys.biometricAvailable) {
            update { it.copy(step = Step.Biometric, message = null) }
        } else {
            create(biometric = false)
        }
    }

    /** On the biometric step: [enabled] asks for a fingerprint whenever the device key is used. */
    fun chooseBiometric(enabled: Boolean) {
        if (state.value.step != Step.Biometric) return
        create(enabled)
    }

    /** One step back: from confirming to choosing (the PIN is forgotten), from biometric to confirming. */
    fun back() {
        when (state.value.step) {
            Step.ConfirmPin -> {
                chosenPin = null
                update { it.copy(step = Step.ChoosePin, message = null) }
            }
            Step.Biometric -> update { it.copy(step = Step.ConfirmPin, message = null) }
            Step.ChoosePin, Step.Creating, Step.Done -> Unit
        }
    }

    private fun create(biometric: Boolean) {
        val pin = chosenPin ?: return
        act {
            update { it.copy(step = Step.Creating) }
            val identity = try {
                host.create(pin, currency, biometric)
            } catch (e: WalletException.InvalidPin) {
                chosenPin = null
                update { it.copy(step = Step.ChoosePin, message = UserMessage.of(e)) }
                return@act
            }
            chosenPin = null
            update { it.copy(step = Step.Done, identity = identity) }
        }
    }

    override fun OnboardingState.withBusy(busy: Boolean) = copy(busy = busy)

    override fun OnboardingState.withMessage(message: UserMessage?) = copy(message = message)

    override fun OnboardingState.failedWith(error: Throwable) =
        copy(step = if (biometricAvailable) Step.Biometric else Step.ConfirmPin, message = UserMessage.of(error))

    companion object {
        /** The currency of the ledger the demo runs against. */
        const val DEFAULT_CURRENCY = "JPY"

        /** What the confirm step says when the second PIN differs from the first. */
        const val MISMATCH = "The PINs did not match. Choose a PIN again."
    }
}
