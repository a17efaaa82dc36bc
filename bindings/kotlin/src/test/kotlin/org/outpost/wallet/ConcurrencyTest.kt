package org.outpost.wallet

import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import java.util.concurrent.Callable
import java.util.concurrent.CountDownLatch
import java.util.concurrent.ExecutorService
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicInteger

/**
 * One unlocked wallet hammered from 16 threads at once: every call is safe from any thread, and
 * the wallet's own lock keeps the purse exact.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConcurrencyTest {
    private lateinit var ledger: LedgerProcess
    private val wallets = WalletDir()
    private lateinit var pool: ExecutorService

    @BeforeAll
    fun setUp() {
        ledger = LedgerProcess.start()
        pool = Executors.newFixedThreadPool(THREADS + READERS)
    }

    @AfterAll
    fun tearDown() {
        pool.shutdownNow()
        pool.awaitTermination(30, TimeUnit.SECONDS)
        wallets.close()
        if (::ledger.isInitialized) ledger.close()
    }

    @Test
    fun `16 threads pay from one purse while others read it`() {
        val payer = wallets.create("busy-payer")
        val shop = wallets.create("shop")
        ledger.fundWallet(payer, "busy-payer", 20_000, 10_000uL)
        ledger.enrolWallet(shop, "shop")
        val requests = (1..THREADS).map { shop.createRequest(100uL, "item $it", 600uL).qrText }

        val start = CountDownLatch(1)
        val paying = AtomicBoolean(true)
        val reads = AtomicInteger()
        // Readers: balances are one snapshot, so purse + pending outgoing is always the purse loaded.
        val readers = (1..READERS).map { n ->
            pool.submit(Callable {
                start.await()
                var torn = 0
                do {
                    val b = payer.balances()
                    if (b.offlinePurse.minor + b.pendingOutgoing.minor != 10_000uL) torn++
                    payer.history(null, 50u)
                    if (n % 2 == 0) payer.verifyLog() else payer.events(null, 20u)
                    reads.incrementAndGet()
                } while (paying.get())
                torn
            })
        }
        val payers = requests.map { qr ->
            pool.submit(Callable {
                start.await()
                payer.balances()
                val payment = payer.payRequest(qr, null, "")
                payer.history(null, 5u)
                payment
            })
        }
        start.countDown()
        val payments = payers.map { it.get(120, TimeUnit.SECONDS) }
        paying.set(false)
        val torn = readers.sumOf { it.get(120, TimeUnit.SECONDS) }

        assertEquals(THREADS, payments.size)
        assertEquals(THREADS, payments.map { it.transferId }.toSet().size, "distinct transfer ids")
        assertTrue(payments.all { it.amount.minor == 100uL })
        assertEquals(0, torn, "a balances() read saw a payment half made")
        assertTrue(reads.get() >= READERS)

        val balances = payer.balances()
        assertEquals(10_000uL - 100uL * THREADS.toULong(), balances.offlinePurse.minor)
        assertEquals(100uL * THREADS.toULong(), balances.pendingOutgoing.minor)
        val check = payer.verifyLog()
        assertTrue(check.entries >= THREADS.toULong())
        val history = payer.history(null, 100u)
        assertEquals(THREADS, history.count { it.direction == Direction.SENT })
        assertEquals(payments.map { it.transferId }.toSet(), history.map { it.transferId }.toSet())

        // The shop takes all 16 at once from 16 threads too, and both settle.
        val accepted = payments.map { p -> pool.submit(Callable { shop.accept(p.qrText) }) }
            .map { it.get(120, TimeUnit.SECONDS) }
        assertTrue(accepted.none { it.alreadyAccepted })
        assertEquals(100uL * THREADS.toULong(), shop.balances().pendingIncoming.minor)
        // No receipts went back to the payer: the ledger holds its uploads until the shop syncs.
        val transport = JdkSyncTransport(ledger.baseUrl)
        val uploaded = payer.sync(transport, null)
        assertEquals(THREADS.toUInt(), uploaded.held, "$uploaded")
        val settled = shop.sync(transport, null)
        assertEquals(THREADS.toUInt(), settled.settled, "$settled")
        assertEquals(100L * THREADS, settled.onlineBalanceMinor)
        assertEquals(THREADS.toUInt(), payer.sync(transport, null).settled)
        assertTrue(payer.history(null, 100u).all { it.status == TransferStatus.SENT_SETTLED })
        shop.verifyLog()
    }

    private companion object {
        const val THREADS = 16
        const val READERS = 4
    }
}
