package org.outpost.wallet

import java.io.IOException
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.time.Duration

/**
 * A sync transport over the JDK's own HTTP client, as an app would write one over OkHttp: it
 * moves bytes only (the wallet checks the ledger's signatures itself).
 *
 * 200 returns the body; any other status throws `SyncTransportException.Refused` with the body's
 * `error` text; no answer at all throws `SyncTransportException.Unreachable`.
 */
class JdkSyncTransport(baseUrl: String, private val timeout: Duration = Duration.ofSeconds(10)) : SyncTransport {
    private val endpoint: URI = URI.create(baseUrl.trimEnd('/') + "/v1/sync")
    private val client: HttpClient = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(timeout)
        .build()

    override fun exchange(request: ByteArray): ByteArray {
        val post = HttpRequest.newBuilder(endpoint)
            .timeout(timeout)
            .header("Content-Type", "application/octet-stream")
            .POST(HttpRequest.BodyPublishers.ofByteArray(request))
            .build()
        val response = try {
            client.send(post, HttpResponse.BodyHandlers.ofByteArray())
        } catch (e: IOException) {
            throw SyncTransportException.Unreachable("cannot reach the ledger at $endpoint: $e")
        } catch (e: InterruptedException) {
            Thread.currentThread().interrupt()
            throw SyncTransportException.Unreachable("the sync was interrupted")
        }
        val status = response.statusCode()
        if (status == 200) return response.body()
        val body = response.body().decodeToString()
        val reason = MiniJson.string(body, "error") ?: body.ifBlank { "HTTP $status" }
        throw SyncTransportException.Refused(reason, status.toUShort())
    }
}
