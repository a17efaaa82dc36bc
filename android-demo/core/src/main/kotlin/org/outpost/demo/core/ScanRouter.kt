package org.outpost.demo.core

import org.outpost.wallet.QrKind
import org.outpost.wallet.WalletException
import org.outpost.wallet.qrKind

/** The screen a scanned code opens, with the code (trimmed) it should be given. */
sealed interface ScanRoute {
    /** A payment request: the pay screen shows who asks and how much before anything is paid. */
    data class PayRequest(val qr: String) : ScanRoute

    /** A transfer someone shows this wallet: the receive screen takes it in and shows the receipt. */
    data class Receive(val qr: String) : ScanRoute

    /** The receiver's receipt for a transfer this wallet sent. */
    data class ConfirmReceipt(val qr: String) : ScanRoute

    /** A member's enrolment code, which is also their identity card: save them as a contact. */
    data class AddContact(val qr: String) : ScanRoute

    /** Not something to act on; [message] says why. */
    data class Rejected(val message: UserMessage) : ScanRoute
}

/**
 * The one scanner's dispatcher: whatever the camera read, it says which screen takes it, or why
 * none does. It reads only the code's kind (a quick check with no wallet); the screen that takes
 * the code checks the rest.
 */
object ScanRouter {
    /** Longer than any Outpost code (the largest is about 600 characters): refused unread. */
    const val MAX_LENGTH = 4096

    private const val PURSE_CERTIFICATE =
        "This is a purse certificate: the wallet receives those from the ledger, not by scanning."

    fun route(text: String): ScanRoute {
        val code = text.trim()
        if (code.length > MAX_LENGTH) {
            return ScanRoute.Rejected(UserMessage.problem("This code is far too long to be an Outpost code."))
        }
        val kind = try {
            qrKind(code)
        } catch (e: WalletException) {
            return ScanRoute.Rejected(UserMessage.of(e))
        }
        return when (kind) {
            QrKind.PAYMENT_REQUEST -> ScanRoute.PayRequest(code)
            QrKind.TRANSFER -> ScanRoute.Receive(code)
            QrKind.RECEIPT -> ScanRoute.ConfirmReceipt(code)
            QrKind.ENROLMENT -> ScanRoute.AddContact(code)
            QrKind.PURSE_CERTIFICATE -> ScanRoute.Rejected(UserMessage.problem(PURSE_CERTIFICATE))
        }
    }
}
