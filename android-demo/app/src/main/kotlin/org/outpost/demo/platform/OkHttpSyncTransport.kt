package org.outpost.demo.platform

import okhttp3.HttpUrl
import okhttp3.HttpUrl.Companion.toHttpUrlOrNull
import okhttp3.MediaType.Companion.toMediaType
import okhttp3.OkHttpClient
import okhttp3.Request
import okhttp3.RequestBody.Companion.toRequestBody
import okhttp3.Response
import okhttp3.ResponseBody
import org.json.JSONException
import org.json.JSONObject
import org.outpost.wallet.SyncTransport
import org.outpost.wallet.SyncTransportException
import java.io.IOException
import java.util.concurrent.TimeUnit

/**
 * The wallet's way to the ledger on Android: one POST of the signed sync request to
 * `<ledger>/v1/sync` as `application/octet-stream`, the body of a 200 answer back. It moves bytes
 * only; the wallet checks the ledger's signatures and proofs itself. OkHttp brings what the
 * built-in transport lacks on a phone: TLS, the device's proxies and certificates.
 *
 * No answer (no network, a timeout, a cut connection, an answer too large) throws
 * [SyncTransportException.Unreachable]; any status but 200 throws
 * [SyncTransportException.Refused] with the ledger's `error` text. Blocking, like every call the
 * wallet makes to it, on the thread that called `sync`.
 */
class OkHttpSyncTransport(
    private val ledgerUrl: String,
    private val client: OkHttpClient,
) : SyncTransport {
    private val endpoint: HttpUrl? = (ledgerUrl.trimEnd('/') + "/v1/sync").toHttpUrlOrNull()

    override fun exchange(request: ByteArray): ByteArray {
        val url = endpoint
            ?: throw SyncTransportException.Unreachable("the ledger address '$ledgerUrl' is not an http:// or https:// URL")
        val post = Request.Builder()
            .url(url)
            .post(request.toRequestBody(OCTET_STREAM))
            .build()
        return try {
            client.newCall(post).execute().use(::answer)
        } catch (e: IOException) {
            throw SyncTransportException.Unreachable("cannot reach the ledger at $url: ${e.message ?: e}")
        }
    }

    private fun answer(response: Response): ByteArray {
        val body = readBounded(response.body)
        if (response.code == 200) return body
        throw SyncTransportException.Refused(errorText(body, response.code), response.code.toUShort())
    }

    /** The body, refused unread past [MAX_ANSWER_BYTES]: the most a sync answer can be. */
    private fun readBounded(body: ResponseBody): ByteArray {
        if (body.contentLength() > MAX_ANSWER_BYTES) throw tooLarge()
        val source = body.source()
        // request(n) is true when n bytes are buffered: one byte past the limit is one too many.
        if (source.request(MAX_ANSWER_BYTES + 1)) throw tooLarge()
        return source.buffer.readByteArray()
    }

    private fun tooLarge() =
        SyncTransportException.Unreachable("the ledger's answer is larger than ${MAX_ANSWER_BYTES / 1024} KiB: nothing was taken from it")

    /** The ledger's JSON `error` (`{"error": "…"}`), else the body as text, else the status. */
    private fun errorText(body: ByteArray, status: Int): String {
        val text = body.decodeToString().trim()
        val error = try {
            JSONObject(text).optString("error")
        } catch (e: JSONException) {
            ""
        }
        return error.ifBlank { text }.ifBlank { "HTTP $status" }.take(MAX_REASON_CHARS)
    }

    companion object {
        /** Every sync message is at most this long (wallet-core's MAX_SYNC_BYTES). */
        const val MAX_ANSWER_BYTES = 512L * 1024

        private const val MAX_REASON_CHARS = 500
        private val OCTET_STREAM = "application/octet-stream".toMediaType()

        /**
         * The client every transport shares (one connection pool). A sync exchange gets the
         * built-in transport's 30 seconds in all; connecting gets 10 of them.
         */
        fun newClient(): OkHttpClient = OkHttpClient.Builder()
            .connectTimeout(10, TimeUnit.SECONDS)
            .readTimeout(30, TimeUnit.SECONDS)
            .writeTimeout(30, TimeUnit.SECONDS)
            .callTimeout(30, TimeUnit.SECONDS)
            .build()
    }
}
