package org.outpost.wallet

import java.io.File
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.file.Files
import java.nio.file.Path
import java.security.SecureRandom
import java.time.Duration
import java.util.concurrent.CompletableFuture
import java.util.concurrent.TimeUnit
import java.util.concurrent.TimeoutException

/**
 * The real ledger binary (`target/debug/outpost-ledger`) on a loopback port chosen by the OS, in a
 * fresh directory, with a random officer token; plus the officer HTTP calls the tests need.
 * `close()` stops the process and deletes its directory.
 */
class LedgerProcess private constructor(
    private val process: Process,
    private val home: Path,
    private val token: String,
    /** `http://127.0.0.1:PORT`, as the ledger printed it. */
    val baseUrl: String,
) : AutoCloseable {
    private val http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()

    /** Kills the ledger if the JVM exits without `close()` (a killed fork, say). */
    private val killOnExit = Thread { process.destroyForcibly() }.also { Runtime.getRuntime().addShutdownHook(it) }

    /** The ledger's Ed25519 public key (hex), from the public `GET /v1/ledger`. */
    val publicKeyHex: String by lazy {
        val info = call("GET", "/v1/ledger", null, officer = false, expect = 200)
        check(MiniJson.requireString(info, "currency") == "JPY") { "the ledger should hold JPY: $info" }
        MiniJson.requireString(info, "public_key")
    }

    /** Enrols the wallet whose enrolment QR this is; returns the member JSON (201). */
    fun enrol(enrolmentQr: String): String =
        call("POST", "/v1/officer/members", MiniJson.obj("enrolment_qr" to enrolmentQr), expect = 201)

    /** Credits a member's online account; returns the answer (`{"balance_minor": …}`). */
    fun credit(memberId: String, amountMinor: Long, memo: String): String =
        call("POST", "/v1/officer/members/${memberId}/credit", MiniJson.obj("amount_minor" to amountMinor, "memo" to memo), expect = 200)

    /** The member as the officer sees it: member_id, balance_minor, in_purses_minor, flagged… */
    fun member(memberId: String): String = call("GET", "/v1/officer/members/${memberId}", null, expect = 200)

    /** The bytes of the officer's audit export of the whole ledger log. */
    fun auditExport(): ByteArray = send("GET", "/v1/officer/audit", null, officer = true, expect = 200)

    /** A request with a status other than [expect] fails the test with the ledger's answer. */
    fun call(method: String, path: String, json: String?, officer: Boolean = true, expect: Int): String =
        send(method, path, json, officer, expect).decodeToString()

    private fun send(method: String, path: String, json: String?, officer: Boolean, expect: Int): ByteArray {
        val builder = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(30))
        if (officer) builder.header("Authorization", "Bearer $token")
        if (json != null) {
            builder.header("Content-Type", "application/json")
            builder.method(method, HttpRequest.BodyPublishers.ofString(json))
        } else {
            builder.method(method, HttpRequest.BodyPublishers.noBody())
        }
        val response = http.send(builder.build(), HttpResponse.BodyHandlers.ofByteArray())
        check(response.statusCode() == expect) {
            "$method $path: expected HTTP $expect, got ${response.statusCode()}: ${response.body().decodeToString()}"
        }
        return response.body()
    }

    /** The ledger's log so far (its stderr), for failure messages. */
    fun log(): String = home.resolve(LOG_FILE).toFile().takeIf(File::exists)?.readText().orEmpty()

    override fun close() {
        try {
            Runtime.getRuntime().removeShutdownHook(killOnExit)
        } catch (_: IllegalStateException) {
            // the JVM is already shutting down: the hook does it
        }
        process.destroy() // SIGTERM: the ledger finishes what is under way and exits 0
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly()
            process.waitFor(10, TimeUnit.SECONDS)
        }
        home.toFile().deleteRecursively()
    }

    companion object {
        private const val LOG_FILE = "ledger.log"
        private val LISTENING = Regex("""^listening on (http://127\.0\.0\.1:\d+)$""")

        fun start(): LedgerProcess {
            val binary = System.getProperty("outpost.ledger.bin")
                ?: error("system property outpost.ledger.bin is not set: run the tests through Maven (bindings/kotlin/pom.xml sets it)")
            val file = File(binary)
            check(file.canExecute()) {
                "the ledger binary ${file.canonicalPath} is missing or not executable: build it with `cargo build -p outpost-ledger`"
            }
            val home = Files.createTempDirectory("outpost-ledger-")
            val dir = Files.createDirectory(home.resolve("ledger"))
            val token = randomHex(24)
            val builder = ProcessBuilder(file.canonicalPath, "--dir", dir.toString(), "--listen", "127.0.0.1:0")
                .redirectError(home.resolve(LOG_FILE).toFile())
                .redirectInput(ProcessBuilder.Redirect.PIPE)
            builder.environment()["OUTPOST_ADMIN_TOKEN"] = token
            builder.environment()["OUTPOST_LOG"] = "info"
            val process = builder.start()
            // The first stdout line names the address. A generous guard, not a timing assertion:
            // it only turns a hung start into a failure with the ledger's log.
            val firstLine = CompletableFuture.supplyAsync { process.inputStream.bufferedReader().readLine() }
            val line = try {
                firstLine.get(60, TimeUnit.SECONDS)
            } catch (e: TimeoutException) {
                null
            }
            val url = line?.let { LISTENING.find(it.trim())?.groupValues?.get(1) }
            if (url == null) {
                process.destroyForcibly()
                process.waitFor(10, TimeUnit.SECONDS)
                val log = home.resolve(LOG_FILE).toFile().readText()
                home.toFile().deleteRecursively()
                error("the ledger did not start: first stdout line ${line?.let { "\"$it\"" } ?: "never came"}; its log:\n$log")
            }
            return LedgerProcess(process, home, token, url)
        }

        fun randomHex(bytes: Int): String =
            ByteArray(bytes).also(SecureRandom()::nextBytes).joinToString("") { "%02x".format(it) }
    }
}
