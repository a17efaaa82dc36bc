package org.outpost.demo.core

import kotlinx.coroutines.CoroutineScope
import org.outpost.wallet.Wallet

/** The enrolment screen's state: the code to show the finance officer, once made. */
data class EnrolmentState(
    val memberId: String? = null,
    val qr: QrPicture? = null,
    override val busy: Boolean = false,
    override val message: UserMessage? = null,
) : ScreenState

/**
 * Enrolment: the member types the id the finance officer gave them and the screen shows the
 * wallet's enrolment code for the officer to scan. Before that the wallet pins the ledger key the
 * unit was provisioned with, so it will only ever trust answers signed by that ledger; a wallet
 * already pinned to another ledger is refused with the wallet's reason and shows no code.
 */
class EnrolmentModel(
    private val host: WalletHost,
    scope: CoroutineScope,
    private val settings: LedgerSettings,
) : ScreenModel<EnrolmentState>(scope, EnrolmentState()) {

    fun show(memberId: String) {
        val id = memberId.trim()
        if (id.isEmpty()) {
            update { it.copy(message = UserMessage.problem("Type the member id your finance officer gave you.")) }
            return
        }
        act {
            update { it.copy(memberId = id, qr = null) }
            val qr = host.call { wallet ->
                pinLedger(wallet)
                QrPictures.of(wallet.enrolmentQr(id))
            }
            update { it.copy(qr = qr) }
        }
    }

    /** Pins the provisioned key unless it is pinned already; another pinned key fails as the wallet says. */
    private fun pinLedger(wallet: Wallet) {
        if (!settings.keyHex.equals(wallet.ledgerKey(), ignoreCase = true)) {
            wallet.pinLedgerKey(settings.keyHex)
        }
    }

    override fun EnrolmentState.withBusy(busy: Boolean) = copy(busy = busy)

    override fun EnrolmentState.withMessage(message: UserMessage?) = copy(message = message)
}
