package org.outpost.demo.core

import kotlinx.coroutines.CoroutineScope
import org.outpost.wallet.Accepted

/** The receive screen's state: the [step] it is at. */
data class ReceiveState(
    val step: ReceiveModel.Step = ReceiveModel.Step.Scan,
    override val busy: Boolean = false,
    override val message: UserMessage? = null,
) : ScreenState

/**
 * Receive a payment, offline: scan the transfer the payer shows; the wallet checks and keeps it
 * (pending until the ledger settles it) and the screen shows the receipt for the payer to scan.
 * The same transfer scanned again credits nothing and shows the same receipt, saying so. A second
 * transfer from the same purse slot is a double spend: not credited, kept as evidence, and shown
 * as a danger.
 */
class ReceiveModel(private val host: WalletHost, scope: CoroutineScope) :
    ScreenModel<ReceiveState>(scope, ReceiveState()) {

    /** The steps, in order. */
    sealed interface Step {
        /** The camera is looking for a transfer. */
        data object Scan : Step

        /** The transfer is taken in: show [qr], the receipt, to the payer. */
        data class ShowReceipt(val accepted: Accepted, val qr: QrPicture) : Step
    }

    /** A scanned transfer (on the scan step). */
    fun scanned(qr: String) {
        if (state.value.step != Step.Scan) return
        act {
            val (accepted, picture) = host.transact { wallet ->
                wallet.accept(qr.trim()).let { it to QrPictures.of(it.receiptQr) }
            }
            val note = if (accepted.alreadyAccepted) UserMessage.info(ALREADY_ACCEPTED) else null
            update { it.copy(step = Step.ShowReceipt(accepted, picture), message = note) }
        }
    }

    /** Back to scanning, for the next payment. */
    fun reset() {
        if (state.value.busy) return
        update { it.copy(step = Step.Scan, message = null) }
    }

    override fun ReceiveState.withBusy(busy: Boolean) = copy(busy = busy)

    override fun ReceiveState.withMessage(message: UserMessage?) = copy(message = message)

    companion object {
        const val ALREADY_ACCEPTED = "Already received: nothing was credited again. Show this receipt to the payer."
    }
}
