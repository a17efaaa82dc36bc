package org.outpost.demo.core

import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertInstanceOf
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.outpost.wallet.HeldReason
import org.outpost.wallet.JdkSyncTransport
import org.outpost.wallet.LedgerProcess
import org.outpost.wallet.PIN
import org.outpost.wallet.Payment
import org.outpost.wallet.TransferStatus
import org.outpost.wallet.enrolWallet
import org.outpost.wallet.fundWallet
import java.io.File

/**
 * A cheat copies their wallet file, pays the shop, puts the copy back and pays again from the same
 * purse. The shop's phone, offline, sees the second transfer spend a purse slot already spent:
 * the receive screen shows a danger, credits nothing and keeps the transfer as evidence. Synced,
 * the evidence makes the ledger revoke the purse, and the cheat's home screen shows what is left
 * in it as held at the ledger.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DoubleSpendTest {
    private lateinit var ledger: LedgerProcess
    private val cheat = Phone("cheat")
    private val shop = Phone("shop")

    @BeforeAll
    fun setUp() {
        ledger = LedgerProcess.start()
        cheat.createWallet()
        shop.createWallet()
        runBlocking {
            cheat.host.call { ledger.fundWallet(it, "cheat", 20_000, 10_000uL) }
            shop.host.call { ledger.enrolWallet(it, "shop") }
        }
    }

    @AfterAll
    fun tearDown() {
        cheat.close()
        shop.close()
        if (::ledger.isInitialized) ledger.close()
    }

    @Test
    fun `a second spend of the same purse slot is a danger, not credited, kept as evidence`() {
        // Closed, the wallet is all in its one file (SQLite folds its write-ahead log back in).
        lateinit var copy: ByteArray
        cheat.restart { copy = cheat.walletFile.readBytes() }
        val first = cheatPays("6,000", "first")
        cheat.restart { restore(cheat.walletFile, copy) }
        val second = cheatPays("9,000", "second")

        val receive = ReceiveModel(shop.host, shop.scope)
        receive.scanned(first.qrText)
        assertInstanceOf(ReceiveModel.Step.ShowReceipt::class.java, receive.settled().step)
        receive.reset()
        receive.scanned(second.qrText)
        val caught = receive.settled()
        assertEquals(ReceiveModel.Step.Scan, caught.step)
        assertMessage(caught, UserMessage.Kind.Danger, "Double spend", "member cheat")

        val balances = runBlocking { withTimeout(WAIT) { shop.host.call { it.balances() } } }
        assertEquals(6_000uL, balances.pendingIncoming.minor, "only the first is credited")
        val history = HistoryModel(shop.host, shop.scope).state.await { it.rows.size == 2 }.rows
        val evidence = history.single { it.id == second.transferId }
        assertEquals(Format.status(TransferStatus.DOUBLE_SPEND_EVIDENCE, evidence.direction), evidence.status)
        assertEquals(StatusLabel.Tone.Problem, evidence.status.tone)

        // Back online, the shop's evidence makes the ledger revoke the purse. The cheat's home
        // screen shows the ¥1,000 its copy had not spent as held at the ledger, and says why.
        runBlocking {
            withTimeout(WAIT) {
                val transport = JdkSyncTransport(ledger.baseUrl)
                cheat.host.call { it.sync(transport, null) }
                shop.host.call { it.sync(transport, null) }
                cheat.host.call { it.sync(transport, null) }
            }
        }
        val home = HomeModel(cheat.host, cheat.scope).state.await { it.held.isNotEmpty() }
        assertEquals("¥0", home.purse?.text)
        val held = home.held.single()
        assertEquals("¥1,000", held.amount.text)
        assertEquals(HeldReason.REVOKED, held.reason)
        assertTrue(held.text.startsWith("¥1,000 is held at the ledger, since the purse was revoked"), held.text)
    }

    /** The cheat unlocks the restarted app and pays a fresh request from the shop. */
    private fun cheatPays(amount: String, memo: String): Payment {
        assertInstanceOf(Session.Locked::class.java, cheat.host.session.value, "a restarted app starts locked")
        val unlock = UnlockModel(cheat.host, cheat.scope)
        unlock.unlock(PIN)
        assertTrue(unlock.settled().unlocked)
        val request = RequestModel(shop.host, shop.scope)
        request.create(amount, memo)
        val qr = checkNotNull(request.settled().request).qrText
        val pay = PayModel(cheat.host, cheat.scope)
        pay.scanned(qr)
        pay.settled()
        pay.confirm(null, "")
        val state = pay.settled()
        return assertInstanceOf(PayModel.Step.ShowTransfer::class.java, state.step, "${state.message}").payment
    }

    /** Puts [copy] back as the whole wallet file, as a cheat restoring a backup would. */
    private fun restore(walletFile: File, copy: ByteArray) {
        for (suffix in listOf("-wal", "-shm")) File(walletFile.path + suffix).delete()
        walletFile.writeBytes(copy)
    }
}
