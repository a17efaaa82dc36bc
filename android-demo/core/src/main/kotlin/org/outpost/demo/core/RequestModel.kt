package org.outpost.demo.core

import kotlinx.coroutines.CoroutineScope
import org.outpost.wallet.PaymentRequest

/** The request screen's state: the signed request and its code, once made. */
data class RequestState(
    val request: PaymentRequest? = null,
    val qr: QrPicture? = null,
    override val busy: Boolean = false,
    override val message: UserMessage? = null,
) : ScreenState

/**
 * Request money: the payee types an amount (or leaves it blank for the payer to choose) and a memo,
 * and the screen shows a signed payment request as a QR code for the payer to scan, with a
 * countdown to its expiry ([expiry]). Then the payee scans the payer's transfer (the receive screen).
 */
class RequestModel(private val host: WalletHost, scope: CoroutineScope) :
    ScreenModel<RequestState>(scope, RequestState()) {

    /** A request for [amountText] as typed ("3,000"; blank: the payer chooses), valid [validForSecs]. */
    fun create(amountText: String, memo: String, validForSecs: Long = DEFAULT_VALID_FOR_SECS) = act {
        require(validForSecs > 0) { "a request must be valid for some time, not $validForSecs s" }
        update { it.copy(request = null, qr = null) }
        val (request, qr) = host.call { wallet ->
            val amount = amountText.takeIf { it.isNotBlank() }?.let(wallet::parseAmount)
            val request = wallet.createRequest(amount, memo.trim(), validForSecs.toULong())
            request to QrPictures.of(request.qrText)
        }
        update { it.copy(request = request, qr = qr) }
    }

    /** "expires in 9 min" for the request shown, by the host's clock now; null when there is none. */
    fun expiry(): String? =
        state.value.request?.let { Format.expiresIn(it.expiresAt.toLong(), host.clock.nowSecs()) }

    override fun RequestState.withBusy(busy: Boolean) = copy(busy = busy)

    override fun RequestState.withMessage(message: UserMessage?) = copy(message = message)

    companion object {
        /** Long enough to hand a phone across a counter, short enough that a stray photo is useless. */
        const val DEFAULT_VALID_FOR_SECS = 600L
    }
}
