package org.outpost.demo.core

import kotlinx.coroutines.CoroutineScope
import org.outpost.wallet.CheckpointSeen
import org.outpost.wallet.Confirmed
import org.outpost.wallet.HistoryEntry
import org.outpost.wallet.Payment
import org.outpost.wallet.RequestPreview
import org.outpost.wallet.Wallet
import org.outpost.wallet.WalletException

/** The pay screen's state: the [step] of the handshake it is at. */
data class PayState(
    val step: PayModel.Step = PayModel.Step.Scan,
    override val busy: Boolean = false,
    override val message: UserMessage? = null,
) : ScreenState

/**
 * Pay a payment request, offline: scan the payee's request; check who asks (their fingerprint, to
 * compare aloud), how much and what for, then confirm (typing the amount when the request leaves
 * it open); show the transfer's code for the payee to scan; scan the receipt their phone then
 * shows. A request paid before shows that first transfer again instead of paying twice.
 */
class PayModel(private val host: WalletHost, scope: CoroutineScope) :
    ScreenModel<PayState>(scope, PayState()) {

    /** The steps, in order. */
    sealed interface Step {
        /** The camera is looking for a payment request. */
        data object Scan : Step

        /** What the scanned request asks; nothing is paid yet. [qr] is the request scanned. */
        data class Confirm(val qr: String, val preview: RequestPreview) : Step {
            /** The request leaves the amount to the payer. */
            val amountNeeded: Boolean get() = preview.amount == null
        }

        /** The transfer is made and committed: show its code. [shownAgain]: it paid this request before. */
        data class ShowTransfer(val payment: Payment, val qr: QrPicture, val shownAgain: Boolean = false) : Step

        /** The camera is looking for the payee's receipt for [payment]. */
        data class WaitReceipt(val payment: Payment, val qr: QrPicture) : Step

        /** The payee's receipt is recorded: the transfer is delivered. */
        data class Done(val confirmed: Confirmed) : Step
    }

    /** A scanned payment request (on the scan step): read and checked, nothing stored. */
    fun scanned(qr: String) {
        if (state.value.step != Step.Scan) return
        act {
            val request = qr.trim()
            val preview = host.call { wallet -> wallet.readRequest(request) }
            update { it.copy(step = Step.Confirm(request, preview)) }
        }
    }

    /**
     * Pays the request on the confirm step. [amountText] as typed, needed when the request leaves
     * the amount open (null or blank otherwise); an empty [memo] repeats the request's.
     */
    fun confirm(amountText: String?, memo: String) {
        val step = state.value.step as? Step.Confirm ?: return
        act {
            val (shown, note) = host.transact { wallet ->
                val amount = amountText?.takeIf { it.isNotBlank() }?.let(wallet::parseAmount)
                try {
                    // A ledger caught showing two histories is a warning, not a refusal: the
                    // payment stands, and the proof goes to the ledger at the next sync.
                    val payment = wallet.payRequest(step.qr, amount, memo.trim())
                    showing(payment) to payment.checkpointNotice?.let(UserMessage::danger)
                } catch (e: WalletException.AlreadyPaid) {
                    showing(paidBefore(wallet, e), shownAgain = true) to UserMessage.of(e)
                }
            }
            update { it.copy(step = shown, message = note) }
        }
    }

    /** The payee has scanned the transfer: open the camera for their receipt. */
    fun awaitReceipt() {
        update { state ->
            val step = state.step as? Step.ShowTransfer ?: return@update state
            state.copy(step = Step.WaitReceipt(step.payment, step.qr))
        }
    }

    /** The payee's receipt, scanned while the transfer is shown or the camera waits for it. */
    fun receiptScanned(qr: String) {
        val payment = when (val step = state.value.step) {
            is Step.ShowTransfer -> step.payment
            is Step.WaitReceipt -> step.payment
            Step.Scan, is Step.Confirm, is Step.Done -> return
        }
        act {
            val confirmed = host.transact { wallet -> wallet.confirmReceipt(qr.trim()) }
            if (confirmed.transferId == payment.transferId) {
                update { it.copy(step = Step.Done(confirmed)) }
            } else {
                // A receipt for an earlier transfer is worth recording, but it does not end this one.
                val earlier = Format.shortId(confirmed.transferId)
                val note = "That receipt is for an earlier payment ($earlier), now recorded. Scan the receipt for this one."
                update { it.copy(message = UserMessage.info(note)) }
            }
        }
    }

    /**
     * Back to scanning. A transfer already made stays made: the history shows it awaiting its
     * receipt. Ignored while a call runs, so a payment under way always ends on its transfer.
     */
    fun cancel() {
        if (state.value.busy) return
        update { it.copy(step = Step.Scan, message = null) }
    }

    private fun showing(payment: Payment, shownAgain: Boolean = false) =
        Step.ShowTransfer(payment, QrPictures.of(payment.qrText), shownAgain)

    /** The transfer that paid this request before, sealed afresh, with its amount from the history. */
    private fun paidBefore(wallet: Wallet, paid: WalletException.AlreadyPaid): Payment {
        val entry = sentEntry(wallet, paid.transferId) ?: throw paid
        return Payment(paid.transferId, entry.amount, wallet.showTransfer(paid.transferId), CheckpointSeen.NotShown, null)
    }

    private fun sentEntry(wallet: Wallet, transferId: String): HistoryEntry? {
        var before: ULong? = null
        while (true) {
            val page = wallet.history(before, HISTORY_PAGE)
            page.firstOrNull { it.transferId == transferId }?.let { return it }
            if (page.size < HISTORY_PAGE.toInt()) return null
            before = page.last().position
        }
    }

    override fun PayState.withBusy(busy: Boolean) = copy(busy = busy)

    override fun PayState.withMessage(message: UserMessage?) = copy(message = message)

    private companion object {
        const val HISTORY_PAGE = 50u
    }
}
