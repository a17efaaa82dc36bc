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
 * fresh directory, founded by two officers whose keys the `outpost` command beside it makes; plus
 * the officer calls the tests need. Every officer request goes through `outpost ledger call`,
 * which signs it with the officer's key as an officer's tool does; an act (a credit) made by the
 * first officer is approved by the second, since one officer alone moves no money.
 * `close()` stops the process and deletes its directory.
 */
class LedgerProcess private constructor(
    private val process: Process,
    private val home: Path,
    private val maker: Officer,
    private val checker: Officer,
    /** `http://127.0.0.1:PORT`, as the ledger printed it. */
    val baseUrl: String,
) : AutoCloseable {
    private val http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()

    /** Kills the ledger if the JVM exits without `close()` (a killed fork, say). */
    private val killOnExit = Thread { process.destroyForcibly() }.also { Runtime.getRuntime().addShutdownHook(it) }

    /** The ledger's Ed25519 public key (hex), from the public `GET /v1/ledger`. */
    val publicKeyHex: String by lazy {
        val info = call("GET", "/v1/ledger", null, expect = 200)
        check(MiniJson.requireString(info, "currency") == "JPY") { "the ledger should hold JPY: $info" }
        MiniJson.requireString(info, "public_key")
    }

    /** Enrols the wallet whose enrolment QR this is; returns the member JSON. */
    fun enrol(enrolmentQr: String): String =
        officer("POST", "/v1/officer/members", MiniJson.obj("enrolment_qr" to enrolmentQr))

    /** Credits a member's online account, made by one officer and approved by the other; returns the answer (`{"balance_minor": …}`). */
    fun credit(memberId: String, amountMinor: Long, memo: String): String =
        officer(
            "POST",
            "/v1/officer/members/${memberId}/credit",
            MiniJson.obj("amount_minor" to amountMinor, "memo" to memo, "batch" to "2026-11"),
        )

    /** The member as the officer sees it: member_id, balance_minor, in_purses_minor, flagged… */
    fun member(memberId: String): String = officer("GET", "/v1/officer/members/${memberId}", null)

    /** The bytes of the officer's audit export of the whole ledger log. */
    fun auditExport(): ByteArray = maker.call(baseUrl, "GET", "/v1/officer/audit", null)

    /** An officer request by the first officer; an act waiting for approval is approved by the second. */
    fun officer(method: String, path: String, json: String?): String {
        val answer = maker.call(baseUrl, method, path, json).decodeToString()
        val pending = PENDING.find(answer)?.groupValues?.get(1) ?: return answer
        return checker.call(baseUrl, "POST", "/v1/officer/pending/$pending/approve", null).decodeToString()
    }

    /** A public request; a status other than [expect] fails the test with the ledger's answer. */
    fun call(method: String, path: String, json: String?, expect: Int): String {
        val builder = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(30))
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
        return response.body().decodeToString()
    }

    /** A finance officer's key file (`outpost officer new`) and its passphrase file. */
    private class Officer(private val outpost: String, dir: Path, name: String) {
        private val passphrase: Path = dir.resolve("$name.passphrase")
        private val key: Path = dir.resolve("$name.officer")
        val code: String

        init {
            Files.writeString(passphrase, randomHex(16))
            passphrase.toFile().setReadable(false, false)
            passphrase.toFile().setReadable(true, true)
            passphrase.toFile().setWritable(false, false)
            passphrase.toFile().setWritable(true, true)
            val made = run(listOf(outpost, "officer", "new", "--key", key.toString(), "--name", name, "--passphrase-file", passphrase.toString()))
            code = CODE.find(made.decodeToString())?.groupValues?.get(1) ?: error("no enrolment code from `outpost officer new`")
        }

        /** One request signed by this officer; the answer's bytes. */
        fun call(url: String, method: String, path: String, json: String?): ByteArray {
            val args = mutableListOf(outpost, "ledger", "call", method, path, "--ledger", url, "--officer-key", key.toString(), "--passphrase-file", passphrase.toString())
            if (json != null) args += listOf("--body", json)
            return run(args)
        }

        private fun run(args: List<String>): ByteArray {
            val process = ProcessBuilder(args).redirectError(ProcessBuilder.Redirect.PIPE).start()
            val out = CompletableFuture.supplyAsync { process.inputStream.readBytes() }
            val err = CompletableFuture.supplyAsync { process.errorStream.readBytes() }
            check(process.waitFor(60, TimeUnit.SECONDS)) { "${args.take(4)} did not finish" }
            check(process.exitValue() == 0) { "${args.drop(1).take(4)}: ${err.get().decodeToString().trim()}" }
            return out.get()
        }
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
        private val CODE = Regex("""(?m)^enrolment code: ([0-9a-f]+)$""")
        private val PENDING = Regex(""""pending_id":"([0-9a-f]{64})"""")

        fun start(): LedgerProcess {
            val binary = System.getProperty("outpost.ledger.bin")
                ?: error("system property outpost.ledger.bin is not set: run the tests through Maven (bindings/kotlin/pom.xml sets it)")
            val file = File(binary)
            check(file.canExecute()) {
                "the ledger binary ${file.canonicalPath} is missing or not executable: build it with `cargo build -p outpost-ledger`"
            }
            val outpost = File(file.parentFile, "outpost")
            check(outpost.canExecute()) {
                "the officer command ${outpost.canonicalPath} is missing: build it with `cargo build -p outpost-cli`"
            }
            val home = Files.createTempDirectory("outpost-ledger-")
            val dir = Files.createDirectory(home.resolve("ledger"))
            val keys = Files.createDirectory(home.resolve("officers"))
            val maker = Officer(outpost.canonicalPath, keys, "Alice Sato")
            val checker = Officer(outpost.canonicalPath, keys, "Ben Okafor")
            val builder = ProcessBuilder(
                file.canonicalPath, "--dir", dir.toString(), "--listen", "127.0.0.1:0",
                "--founding-officer", maker.code, "--founding-officer", checker.code,
            )
                .redirectError(home.resolve(LOG_FILE).toFile())
                .redirectInput(ProcessBuilder.Redirect.PIPE)
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
            return LedgerProcess(process, home, maker, checker, url)
        }

        fun randomHex(bytes: Int): String =
            ByteArray(bytes).also(SecureRandom()::nextBytes).joinToString("") { "%02x".format(it) }
    }
}
