package org.outpost.demo.core

import org.outpost.wallet.KeyProtectorException
import org.outpost.wallet.WalletException

/**
 * A sentence a screen shows under its content when something did not go as asked: every error a
 * wallet call can raise becomes one of these, never a crash. [kind] picks the colour: [Kind.Info]
 * for the expected (no network, a cancelled prompt), [Kind.Problem] for what the user can fix
 * (a wrong PIN, a bad scan), [Kind.Danger] for what someone must look at (a double spend, a
 * tampered file, a wallet locked out for good). [retryAfterSecs] is how long the screen should
 * wait before it lets the user try again (wrong PIN delays).
 */
data class UserMessage(val text: String, val kind: Kind, val retryAfterSecs: Long = 0) {
    enum class Kind { Info, Problem, Danger }

    companion object {
        /** The message for anything a wallet call, a key store or the app itself threw. */
        fun of(e: Throwable): UserMessage = when (e) {
            is WalletException -> ofWallet(e)
            is KeyProtectorException -> ofKeyStore(e)
            else -> problem("Something went wrong: ${e.message ?: "no details"}")
        }

        fun info(text: String) = UserMessage(text, Kind.Info)

        fun problem(text: String) = UserMessage(text, Kind.Problem)

        fun danger(text: String) = UserMessage(text, Kind.Danger)

        // No else branch: a variant added to the library must be given its message here.
        private fun ofWallet(e: WalletException): UserMessage = when (e) {
            is WalletException.PinIncorrect -> UserMessage(
                "Wrong PIN: ${tries(e.triesLeft)} left before the wallet locks for good." + waitNote(e.retryAfterSecs),
                Kind.Problem,
                e.retryAfterSecs.toLong(),
            )
            is WalletException.PinDelayed -> UserMessage(
                "Too soon after a wrong PIN; this try was not counted." + waitNote(e.retryAfterSecs),
                Kind.Problem,
                e.retryAfterSecs.toLong(),
            )
            is WalletException.LockedOut ->
                danger("Too many wrong PINs: this wallet is locked for good on this device. See your finance officer.")
            is WalletException.InvalidPin -> problem(sentence(e.reason))
            is WalletException.Locked -> info(sentence(e.reason))
            is WalletException.KeyProtectorUnavailable ->
                problem("The device key cannot be used (${e.reason}). See your finance officer.")
            is WalletException.KeyProtectorCancelled -> info("Cancelled. No PIN try was counted.")
            is WalletException.KeyProtectorFailed -> problem("The device key failed: ${e.reason}")
            is WalletException.Tampered -> danger("The wallet's data failed its integrity check: ${e.reason}")
            is WalletException.Storage -> problem(sentence(e.reason))
            is WalletException.BadQr -> problem(sentence(e.reason))
            is WalletException.BadMessage -> problem(sentence(e.reason))
            is WalletException.BadAmount -> problem(sentence(e.reason))
            is WalletException.NotEnrolled -> problem(sentence(e.reason))
            is WalletException.LedgerKeyMismatch -> problem(sentence(e.reason))
            is WalletException.NoPurse -> problem(sentence(e.reason))
            is WalletException.InsufficientPurse -> problem(sentence(e.reason))
            is WalletException.AlreadyPaid -> info(sentence(e.reason))
            is WalletException.DoubleSpend -> danger(sentence(e.reason))
            is WalletException.Refused -> problem(sentence(e.reason))
            is WalletException.LedgerUnreachable -> info(NO_NETWORK)
            is WalletException.LedgerRefused -> problem("The ledger refused (HTTP ${e.status}): ${e.reason}")
            is WalletException.LedgerUntrusted -> problem(sentence(e.reason))
            is WalletException.LedgerNotWitnessed -> info(sentence(e.reason))
            is WalletException.AuditFailed -> problem(sentence(e.reason))
            is WalletException.Internal -> problem("Something went wrong inside the wallet: ${e.reason}")
        }

        // Thrown by the app's own DeviceKeys before the wallet sees the protector.
        private fun ofKeyStore(e: KeyProtectorException): UserMessage = when (e) {
            is KeyProtectorException.Cancelled -> info("Cancelled.")
            is KeyProtectorException.Unavailable -> problem("The device key cannot be used (${e.reason}).")
            is KeyProtectorException.Failed -> problem("The device key failed: ${e.reason}")
        }

        /** A sync that could not reach the ledger: the wallet retries the same request later. */
        const val NO_NETWORK = "No network; nothing lost, try later."

        private fun tries(n: UInt) = if (n == 1u) "1 try" else "$n tries"

        private fun waitNote(retryAfterSecs: ULong) =
            if (retryAfterSecs == 0uL) "" else " Try again in ${Format.duration(retryAfterSecs.toLong())}."

        /** The library's reasons are clauses ("the wallet is locked: …"); a message starts a sentence. */
        private fun sentence(reason: String) = reason.replaceFirstChar { it.uppercaseChar() }
    }
}
