package org.outpost.demo.core

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.asCoroutineDispatcher
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertInstanceOf
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.outpost.wallet.JdkSyncTransport
import org.outpost.wallet.LedgerProcess
import org.outpost.wallet.PIN
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.ExecutorService
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger

/**
 * The wallet's slow work (Argon2id, the device key, the network) never runs on the thread that
 * asked for it: the phone's host runs on named "outpost-io" threads, its screens on an
 * "outpost-ui" thread (Android's main thread), and the key protector and the transport note every
 * thread that calls them. An action returns while its call is still held inside the device key.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ThreadingTest {
    private val ioThreads: ExecutorService = Executors.newFixedThreadPool(2, named("outpost-io"))
    private val uiThread: ExecutorService = Executors.newSingleThreadExecutor(named("outpost-ui"))
    private val exchanges = ConcurrentLinkedQueue<String>()
    private val phone = Phone(
        "threads",
        io = ioThreads.asCoroutineDispatcher(),
        transports = TransportFactory { url -> RecordingTransport(JdkSyncTransport(url), exchanges) },
        scope = CoroutineScope(SupervisorJob() + uiThread.asCoroutineDispatcher()),
    )
    private lateinit var ledger: LedgerProcess

    @BeforeAll
    fun setUp() {
        ledger = LedgerProcess.start()
        phone.createWallet()
    }

    @AfterAll
    fun tearDown() {
        phone.close()
        if (::ledger.isInitialized) ledger.close()
        ioThreads.shutdownNow()
        uiThread.shutdownNow()
        ioThreads.awaitTermination(30, TimeUnit.SECONDS)
    }

    @Test
    fun `the device key and the ledger are only called on the io threads`() {
        val settings = LedgerSettings(ledger.baseUrl, ledger.publicKeyHex)
        val enrolment = EnrolmentModel(phone.host, phone.scope, settings)
        enrolment.show("threads")
        ledger.enrol(checkNotNull(enrolment.settled().qr) { "${enrolment.state.value.message}" }.text)
        ledger.credit("threads", 5_000, "pay")

        val sync = SyncModel(phone.host, phone.scope, settings)
        sync.loadPurse("1,000")
        assertEquals(1_000uL, sync.settled().report?.newPurse?.minor, "${sync.state.value.message}")

        phone.host.lock()
        val unlock = UnlockModel(phone.host, phone.scope)
        unlock.unlock(PIN)
        assertTrue(unlock.settled().unlocked)

        val keyThreads = phone.keys.protector.threads.toList()
        assertTrue(keyThreads.size >= 2, "create wraps and unlock unwraps: $keyThreads")
        assertTrue(exchanges.isNotEmpty())
        for (thread in keyThreads + exchanges) {
            assertTrue(thread.startsWith("outpost-io-"), "a wallet call ran on $thread")
        }
        assertFalse(Thread.currentThread().name.startsWith("outpost-io-"))
    }

    @Test
    fun `an action returns while its call is held in the device key, and a lock does not wait for it`() {
        val protector = phone.keys.protector
        phone.host.lock()
        val unwrapsBefore = protector.unwraps.get()
        val gate = Gate()
        protector.gate = gate
        val unlock = UnlockModel(phone.host, phone.scope)
        try {
            unlock.unlock(PIN)
            assertTrue(gate.reached(), "the unlock never reached the device key")
            assertTrue(unlock.state.value.busy)
            assertInstanceOf(Session.Locked::class.java, phone.host.session.value)
            phone.host.lock() // the wallet is busy unlocking: this must not wait for it
        } finally {
            gate.open()
            protector.gate = null
        }
        assertTrue(unlock.settled().unlocked)

        // The lock asked for during the unlock comes after it: the wallet ends locked, for real
        // (unlocking again needs the device key again, which an unlocked wallet would not).
        phone.host.session.await { it is Session.Locked }
        val again = UnlockModel(phone.host, phone.scope)
        again.unlock(PIN)
        assertTrue(again.settled().unlocked)
        assertEquals(unwrapsBefore + 2, protector.unwraps.get())
    }

    private fun named(prefix: String) = object : java.util.concurrent.ThreadFactory {
        private val count = AtomicInteger()

        override fun newThread(task: Runnable) =
            Thread(task, "$prefix-${count.incrementAndGet()}").apply { isDaemon = true }
    }
}
