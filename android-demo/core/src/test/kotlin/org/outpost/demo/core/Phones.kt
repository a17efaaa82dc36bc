package org.outpost.demo.core

import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.outpost.wallet.AesGcmKeyProtector
import org.outpost.wallet.JdkSyncTransport
import org.outpost.wallet.KeyProtector
import org.outpost.wallet.PIN
import org.outpost.wallet.SyncTransport
import java.io.File
import java.nio.file.Files
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import kotlin.coroutines.CoroutineContext
import kotlin.time.Duration.Companion.seconds

/**
 * A guard against a hung test, not a timing assertion: every wait for a state ends well within it
 * on a loaded machine, and a bug that never reaches the state fails with the last state seen.
 */
val WAIT = 120.seconds

/**
 * One simulated phone: its own directory and device keys, a [WalletHost] on [io] (Dispatchers.IO
 * unless a test records threads), and [scope] for its screens' state holders, as viewModelScope
 * would be on Android. [restart] is the app started again over the same wallet file.
 */
class Phone(
    name: String,
    biometricAvailable: Boolean = false,
    private val io: CoroutineDispatcher = Dispatchers.IO,
    private val transports: TransportFactory = TransportFactory { url -> JdkSyncTransport(url) },
    val scope: CoroutineScope = CoroutineScope(SupervisorJob() + Dispatchers.Default),
) : AutoCloseable {
    private val dir: File = Files.createTempDirectory("outpost-phone-$name-").toFile()
    val walletFile = File(dir, "outpost.wallet")
    val keys = TestDeviceKeys(biometricAvailable)

    var host = newHost()
        private set

    private fun newHost() = WalletHost(walletFile, keys, transports, io)

    /** Makes the wallet without the onboarding screens, for tests about something else. */
    fun createWallet(): Phone = apply { runBlocking { withTimeout(WAIT) { host.create(PIN, "JPY", biometric = false) } } }

    /** The app quits (the wallet file closes), [whileClosed] runs, and the app starts again, locked. */
    fun restart(whileClosed: () -> Unit = {}) {
        host.close()
        whileClosed()
        host = newHost()
    }

    override fun close() {
        scope.cancel()
        host.close()
        dir.deleteRecursively()
    }
}

/**
 * Device keys as a test phone has them: each key an AES-GCM key in memory ([TestProtector]).
 * Remembers the biometric choice onboarding passed and how often the key was discarded.
 */
class TestDeviceKeys(override val biometricAvailable: Boolean) : DeviceKeys {
    @Volatile
    var biometricChosen: Boolean? = null
        private set

    @Volatile
    var discarded = 0
        private set

    @Volatile
    private var current: TestProtector? = null

    /** The key onboarding made: tests make it fail or wait, and read which threads used it. */
    val protector: TestProtector get() = checkNotNull(current) { "no device key made yet" }

    override fun newProtector(biometric: Boolean): KeyProtector {
        biometricChosen = biometric
        return TestProtector().also { current = it }
    }

    override fun existingProtector(): KeyProtector = protector

    override fun discard() {
        current = null
        discarded++
    }
}

/**
 * [AesGcmKeyProtector] with test handles: [threads] names every thread that called it, [failWith]
 * makes each call throw, [gate] holds each call until it opens, [unwraps] counts the unwraps.
 */
class TestProtector : KeyProtector {
    private val key = AesGcmKeyProtector()
    val threads = ConcurrentLinkedQueue<String>()

    @Volatile
    var failWith: Exception? = null

    @Volatile
    var gate: Gate? = null

    /** How often the wallet asked for its key record to be opened (each unlock of a locked wallet). */
    val unwraps = AtomicInteger()

    override fun wrap(plaintext: ByteArray): ByteArray = enter { key.wrap(plaintext) }

    override fun unwrap(wrapped: ByteArray): ByteArray = enter {
        unwraps.incrementAndGet()
        key.unwrap(wrapped)
    }

    private fun enter(work: () -> ByteArray): ByteArray {
        threads += Thread.currentThread().name
        gate?.pass()
        failWith?.let { throw it }
        return work()
    }
}

/** Holds whoever calls [pass] until [open]; [reached] lets the test wait until someone is held. */
class Gate {
    private val arrived = CountDownLatch(1)
    private val opened = CountDownLatch(1)

    fun pass() {
        arrived.countDown()
        check(opened.await(WAIT.inWholeSeconds, TimeUnit.SECONDS)) { "the gate never opened" }
    }

    fun reached(): Boolean = arrived.await(WAIT.inWholeSeconds, TimeUnit.SECONDS)

    fun open() = opened.countDown()
}

/**
 * [inner], counting the blocks sent to it. A state holder on an unconfined scope (like Android's
 * Main.immediate when called from the main thread) dispatches its wallet call here before its
 * action returns, so the count after a tap is exact.
 */
class CountingDispatcher(private val inner: CoroutineDispatcher) : CoroutineDispatcher() {
    val dispatched = AtomicInteger()

    override fun dispatch(context: CoroutineContext, block: Runnable) {
        dispatched.incrementAndGet()
        inner.dispatch(context, block)
    }
}

/** A transport that names the thread of every exchange before passing it on. */
class RecordingTransport(private val inner: SyncTransport, private val threads: MutableCollection<String>) : SyncTransport {
    override fun exchange(request: ByteArray): ByteArray {
        threads += Thread.currentThread().name
        return inner.exchange(request)
    }
}

/** Waits for the first state [predicate] accepts; fails with the last state after [WAIT]. */
fun <S> StateFlow<S>.await(predicate: (S) -> Boolean): S = runBlocking {
    try {
        withTimeout(WAIT) { first(predicate) }
    } catch (e: kotlinx.coroutines.TimeoutCancellationException) {
        throw AssertionError("the state never came; the last was $value", e)
    }
}

/** Asserts [state] shows a message of [kind] with each of [words] in it. */
fun assertMessage(state: ScreenState, kind: UserMessage.Kind, vararg words: String) {
    val message = checkNotNull(state.message) { "no message in $state" }
    assertEquals(kind, message.kind, message.text)
    for (word in words) assertTrue(message.text.contains(word), "\"$word\" is not in \"${message.text}\"")
}

/** Waits until the action just started has ended, and returns the state it left. */
fun <S : ScreenState> ScreenModel<S>.settled(): S = state.await { !it.busy }
