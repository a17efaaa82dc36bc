package org.outpost.demo.platform

import android.content.Context
import android.os.Handler
import android.os.Looper
import androidx.annotation.MainThread
import androidx.annotation.StringRes
import androidx.biometric.BiometricManager.Authenticators.BIOMETRIC_STRONG
import androidx.biometric.BiometricPrompt
import androidx.core.content.ContextCompat
import org.outpost.demo.R
import org.outpost.wallet.KeyProtectorException
import java.util.concurrent.ArrayBlockingQueue
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicReference
import javax.crypto.Cipher

/**
 * Asks for a fingerprint or face to let one Keystore operation run, for a key made with
 * per-use authentication. The wallet calls its key protector on a worker thread and waits for
 * the answer; the prompt has to be shown on the main thread. So [authorise] posts the prompt to
 * the main thread and blocks the calling thread until the user answers.
 */
class BiometricGate(
    private val context: Context,
    private val foreground: ForegroundActivity,
) {
    /** What the prompt says it is for. */
    enum class Purpose(@StringRes val title: Int, @StringRes val subtitle: Int) {
        Protect(R.string.prompt_protect_title, R.string.prompt_protect_subtitle),
        Unlock(R.string.prompt_unlock_title, R.string.prompt_unlock_subtitle),
    }

    private val main = Handler(Looper.getMainLooper())

    /**
     * Shows the prompt for [cipher], already initialised, and returns it authorised for one
     * operation. Throws [KeyProtectorException.Cancelled] when the user backs out,
     * [KeyProtectorException.Unavailable] when the phone has no biometric left to ask for, and
     * [KeyProtectorException.Failed] otherwise, including when called on the main thread, which
     * would wait for itself.
     */
    fun authorise(cipher: Cipher, purpose: Purpose): Cipher {
        if (Looper.myLooper() == Looper.getMainLooper()) {
            throw KeyProtectorException.Failed(
                "the device key was used on the main thread, which must stay free to show the fingerprint prompt",
            )
        }
        val answers = ArrayBlockingQueue<Result<Cipher>>(1)
        val shown = AtomicReference<BiometricPrompt?>()
        main.post { show(cipher, purpose, answers, shown) }
        val answer = try {
            answers.poll(PROMPT_TIMEOUT_MINUTES, TimeUnit.MINUTES)
        } catch (e: InterruptedException) {
            Thread.currentThread().interrupt()
            main.post { shown.get()?.cancelAuthentication() }
            throw KeyProtectorException.Failed("interrupted while waiting for the fingerprint prompt")
        }
        if (answer == null) {
            main.post { shown.get()?.cancelAuthentication() }
            throw KeyProtectorException.Failed("no fingerprint or face within $PROMPT_TIMEOUT_MINUTES minutes")
        }
        return answer.getOrThrow()
    }

    @MainThread
    private fun show(
        cipher: Cipher,
        purpose: Purpose,
        answers: ArrayBlockingQueue<Result<Cipher>>,
        shown: AtomicReference<BiometricPrompt?>,
    ) {
        val activity = foreground.get()
        if (activity == null) {
            answers.offer(
                Result.failure(KeyProtectorException.Failed("Outpost is not on screen to ask for a fingerprint: open it and try again")),
            )
            return
        }
        val prompt = BiometricPrompt(activity, ContextCompat.getMainExecutor(activity), Answer(answers))
        shown.set(prompt)
        prompt.authenticate(promptInfo(purpose), BiometricPrompt.CryptoObject(cipher))
    }

    private fun promptInfo(purpose: Purpose): BiometricPrompt.PromptInfo =
        BiometricPrompt.PromptInfo.Builder()
            .setTitle(context.getString(purpose.title))
            .setSubtitle(context.getString(purpose.subtitle))
            .setNegativeButtonText(context.getString(R.string.prompt_cancel))
            .setAllowedAuthenticators(BIOMETRIC_STRONG)
            // The member has just typed the PIN and pressed the button: a face is answer enough.
            .setConfirmationRequired(false)
            .build()

    /** Hands the prompt's one final answer to the waiting thread. */
    private class Answer(private val answers: ArrayBlockingQueue<Result<Cipher>>) :
        BiometricPrompt.AuthenticationCallback() {
        override fun onAuthenticationSucceeded(result: BiometricPrompt.AuthenticationResult) {
            val cipher = result.cryptoObject?.cipher
            answers.offer(
                if (cipher != null) {
                    Result.success(cipher)
                } else {
                    Result.failure(KeyProtectorException.Failed("the prompt came back without the device key's operation"))
                },
            )
        }

        override fun onAuthenticationError(errorCode: Int, errString: CharSequence) {
            answers.offer(Result.failure(errorOf(errorCode, errString.toString())))
        }

        // onAuthenticationFailed (a finger that did not match) is not final: the prompt stays up.
    }

    private companion object {
        /** Long enough for anyone; short enough that a forgotten prompt does not hold the wallet. */
        const val PROMPT_TIMEOUT_MINUTES = 3L

        fun errorOf(code: Int, text: String): KeyProtectorException = when (code) {
            BiometricPrompt.ERROR_USER_CANCELED,
            BiometricPrompt.ERROR_NEGATIVE_BUTTON,
            BiometricPrompt.ERROR_CANCELED,
            -> KeyProtectorException.Cancelled(text)
            BiometricPrompt.ERROR_NO_BIOMETRICS,
            BiometricPrompt.ERROR_HW_NOT_PRESENT,
            -> KeyProtectorException.Unavailable(text)
            else -> KeyProtectorException.Failed(text)
        }
    }
}
