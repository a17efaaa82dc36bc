package org.outpost.demo.core

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertInstanceOf
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.outpost.wallet.Balances
import org.outpost.wallet.KeyProtectorException
import org.outpost.wallet.LedgerProcess
import org.outpost.wallet.PIN
import org.outpost.wallet.Payment
import org.outpost.wallet.PaymentRequest
import org.outpost.wallet.TransferStatus
import org.outpost.wallet.enrolWallet
import org.outpost.wallet.fundWallet

/**
 * Every failure a screen meets ends as a state with a message, never as an exception: wrong PINs,
 * a cancelled fingerprint prompt, no purse, bad scans, a double tap, a request paid before, a
 * transfer scanned twice, a stopped ledger. Two enrolled phones share the class: the payer has a
 * purse of 10 000, the receiver none.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ErrorStatesTest {
    private lateinit var ledger: LedgerProcess
    private lateinit var settings: LedgerSettings
    private val payerIo = CountingDispatcher(Dispatchers.IO)
    private val payer = Phone("payer", io = payerIo)
    private val receiver = Phone("receiver")

    @BeforeAll
    fun setUp() {
        ledger = LedgerProcess.start()
        settings = LedgerSettings(ledger.baseUrl, ledger.publicKeyHex)
        payer.createWallet()
        receiver.createWallet()
        runBlocking {
            payer.host.call { ledger.fundWallet(it, "payer", 20_000, 10_000uL) }
            receiver.host.call { ledger.enrolWallet(it, "receiver") }
        }
    }

    @AfterAll
    fun tearDown() {
        payer.close()
        receiver.close()
        if (::ledger.isInitialized) ledger.close()
    }

    @Test
    fun `a wrong PIN says how many tries are left, and the right one unlocks`() {
        receiver.host.lock()
        val unlock = UnlockModel(receiver.host, receiver.scope)
        assertFalse(unlock.state.value.unlocked)

        unlock.unlock("000000")
        val first = unlock.settled()
        assertFalse(first.unlocked)
        val tries = checkNotNull(first.triesLeft) { "no tries left after a wrong PIN: $first" }
        assertMessage(first, UserMessage.Kind.Problem, "Wrong PIN: $tries tries left")

        unlock.unlock("000001")
        val second = unlock.settled()
        assertEquals(tries - 1, second.triesLeft)
        assertMessage(second, UserMessage.Kind.Problem, "Wrong PIN: ${tries - 1} tries left")
        assertInstanceOf(Session.Locked::class.java, receiver.host.session.value)

        unlock.unlock(PIN)
        val unlocked = unlock.settled()
        assertTrue(unlocked.unlocked, "$unlocked")
        assertNull(unlocked.message)
        assertInstanceOf(Session.Unlocked::class.java, receiver.host.session.value)
    }

    @Test
    fun `a cancelled fingerprint prompt says cancelled and costs no PIN try`() {
        receiver.host.lock()
        val unlock = UnlockModel(receiver.host, receiver.scope)
        unlock.unlock("000000")
        val tries = checkNotNull(unlock.settled().triesLeft)

        val protector = receiver.keys.protector
        protector.failWith = KeyProtectorException.Cancelled("the member closed the fingerprint prompt")
        try {
            unlock.unlock(PIN)
            val cancelled = unlock.settled()
            assertFalse(cancelled.unlocked)
            assertMessage(cancelled, UserMessage.Kind.Info, "Cancelled", "No PIN try was counted")
            assertEquals(tries, cancelled.triesLeft)
        } finally {
            protector.failWith = null
        }

        unlock.unlock("000001")
        assertEquals(tries - 1, unlock.settled().triesLeft, "the cancelled prompt was not a try")
        unlock.unlock(PIN)
        assertTrue(unlock.settled().unlocked)
    }

    @Test
    fun `a home screen made while locked says so, and loads by itself once unlocked`() {
        receiver.host.lock()
        val home = HomeModel(receiver.host, receiver.scope)
        val locked = home.state.await { it.message != null }
        assertMessage(locked, UserMessage.Kind.Info, "locked")
        assertNull(locked.purse)

        val unlock = UnlockModel(receiver.host, receiver.scope)
        unlock.unlock(PIN)
        assertTrue(unlock.settled().unlocked)
        val loaded = home.state.await { it.purse != null }
        assertNull(loaded.message)
        assertEquals(balances(receiver).offlinePurse, loaded.purse)
    }

    @Test
    fun `paying without a purse stays on the confirm step and says to sync`() {
        val request = request(payer, "100", "no purse")
        val before = balances(receiver)
        val pay = PayModel(receiver.host, receiver.scope)
        pay.scanned(request.qrText)
        assertInstanceOf(PayModel.Step.Confirm::class.java, pay.settled().step)

        pay.confirm(null, "")
        val refused = pay.settled()
        assertInstanceOf(PayModel.Step.Confirm::class.java, refused.step)
        assertMessage(refused, UserMessage.Kind.Problem, "sync with the ledger")
        assertEquals(before, balances(receiver))
    }

    @Test
    fun `garbage, a cut transfer, an oversized text and the wrong kind of code are rejected with the reason`() {
        assertRejected(ScanRouter.route("https://example.com/pay?to=me"), "not an Outpost code")
        assertRejected(ScanRouter.route("  \n"), "empty")
        assertRejected(ScanRouter.route("OP1T:" + "A".repeat(ScanRouter.MAX_LENGTH)), "too long")
        assertRejected(ScanRouter.route("OP1P:BB8"), "purse certificate")

        // A real transfer cut short: base45 comes in groups of 2 or 3 characters, so a body one
        // character past a group boundary can never be whole. The cut must not end in a space (a
        // base45 digit, which a whole code never ends in): trimmed off, it would leave whole groups.
        val transfer = pay(request(receiver, "50", "cut")).qrText
        val body = transfer.length - 5
        var end = 5 + (body / 2) / 3 * 3 + 1
        while (transfer[end - 1] == ' ') end -= 3
        val cut = transfer.substring(0, end)
        assertRejected(ScanRouter.route(cut), "damaged")
        val receive = ReceiveModel(receiver.host, receiver.scope)
        receive.scanned(cut)
        val damaged = receive.settled()
        assertEquals(ReceiveModel.Step.Scan, damaged.step)
        assertMessage(damaged, UserMessage.Kind.Problem, "damaged")

        // The right kind of code on the wrong screen: each screen says which code it wants.
        val request = request(receiver, "60", "wrong screen")
        receive.scanned(request.qrText)
        val wrongKind = receive.settled()
        assertEquals(ReceiveModel.Step.Scan, wrongKind.step)
        assertMessage(wrongKind, UserMessage.Kind.Problem, "payment request")

        val pay = PayModel(payer.host, payer.scope)
        pay.scanned(transfer)
        val notARequest = pay.settled()
        assertEquals(PayModel.Step.Scan, notARequest.step)
        assertMessage(notARequest, UserMessage.Kind.Problem, "transfer")
    }

    @Test
    fun `a double tap on pay pays once`() {
        val request = request(receiver, "200", "double tap")
        val before = balances(payer).offlinePurse.minor
        // Unconfined, each action has started its wallet call by the time it returns.
        val pay = PayModel(payer.host, CoroutineScope(SupervisorJob() + Dispatchers.Unconfined))
        pay.scanned(request.qrText)
        pay.settled()

        val calls = payerIo.dispatched.get()
        pay.confirm(null, "")
        pay.confirm(null, "")
        assertEquals(calls + 1, payerIo.dispatched.get(), "the second tap reached the wallet")
        val paid = pay.settled()
        val shown = assertInstanceOf(PayModel.Step.ShowTransfer::class.java, paid.step)
        assertFalse(shown.shownAgain, "the second tap reached the wallet")
        assertNull(paid.message)
        assertEquals(before - 200uL, balances(payer).offlinePurse.minor)
        val sent = runBlocking { payer.host.call { it.history(null, 100u) } }
        assertEquals(1, sent.count { it.memo == "double tap" })
    }

    @Test
    fun `a request paid before shows the first transfer again and pays nothing more`() {
        val request = request(receiver, "300", "paid before")
        val first = PayModel(payer.host, payer.scope)
        first.scanned(request.qrText)
        first.settled()
        first.confirm(null, "")
        val paid = assertInstanceOf(PayModel.Step.ShowTransfer::class.java, first.settled().step)
        val before = balances(payer)

        val again = PayModel(payer.host, payer.scope)
        again.scanned(request.qrText)
        assertInstanceOf(PayModel.Step.Confirm::class.java, again.settled().step)
        again.confirm(null, "")
        val state = again.settled()
        val shown = assertInstanceOf(PayModel.Step.ShowTransfer::class.java, state.step)
        assertTrue(shown.shownAgain)
        assertEquals(paid.payment.transferId, shown.payment.transferId)
        assertEquals(paid.payment.amount, shown.payment.amount)
        assertInstanceOf(ScanRoute.Receive::class.java, ScanRouter.route(shown.qr.text))
        assertMessage(state, UserMessage.Kind.Info, "already paid")
        assertEquals(before, balances(payer))

        // The transfer shown again is as good as the first: the receiver takes it.
        val receive = ReceiveModel(receiver.host, receiver.scope)
        receive.scanned(shown.qr.text)
        val receipt = assertInstanceOf(ReceiveModel.Step.ShowReceipt::class.java, receive.settled().step)
        assertEquals(paid.payment.transferId, receipt.accepted.transferId)
    }

    @Test
    fun `the same transfer scanned twice is shown as already received and credited once`() {
        val transfer = pay(request(receiver, "400", "twice"))
        val before = balances(receiver).pendingIncoming.minor
        val receive = ReceiveModel(receiver.host, receiver.scope)

        receive.scanned(transfer.qrText)
        val first = assertInstanceOf(ReceiveModel.Step.ShowReceipt::class.java, receive.settled().step)
        assertFalse(first.accepted.alreadyAccepted)
        assertEquals(before + 400uL, balances(receiver).pendingIncoming.minor)

        receive.reset()
        assertEquals(ReceiveModel.Step.Scan, receive.state.value.step)
        receive.scanned(transfer.qrText)
        val state = receive.settled()
        val second = assertInstanceOf(ReceiveModel.Step.ShowReceipt::class.java, state.step)
        assertTrue(second.accepted.alreadyAccepted)
        assertEquals(first.accepted.transferId, second.accepted.transferId)
        assertEquals(UserMessage.info(ReceiveModel.ALREADY_ACCEPTED), state.message)
        assertEquals(before + 400uL, balances(receiver).pendingIncoming.minor, "credited once")
    }

    @Test
    fun `an open request takes the amount the payer types, and refuses one it cannot read`() {
        val request = request(receiver, "", "tip")
        assertNull(request.amount)
        val pay = PayModel(payer.host, payer.scope)
        pay.scanned(request.qrText)
        val confirm = assertInstanceOf(PayModel.Step.Confirm::class.java, pay.settled().step)
        assertTrue(confirm.amountNeeded)

        pay.confirm("12.5", "")
        val unreadable = pay.settled()
        assertInstanceOf(PayModel.Step.Confirm::class.java, unreadable.step)
        assertMessage(unreadable, UserMessage.Kind.Problem)
        pay.confirm("150", "thanks")
        val shown = assertInstanceOf(PayModel.Step.ShowTransfer::class.java, pay.settled().step)
        assertEquals(150uL, shown.payment.amount.minor)
    }

    @Test
    fun `a receipt for an earlier payment is recorded but does not end this one`() {
        val earlier = pay(request(receiver, "70", "earlier"))
        val receive = ReceiveModel(receiver.host, receiver.scope)
        receive.scanned(earlier.qrText)
        val earlierReceipt = assertInstanceOf(ReceiveModel.Step.ShowReceipt::class.java, receive.settled().step)

        val pay = PayModel(payer.host, payer.scope)
        pay.scanned(request(receiver, "80", "this one").qrText)
        pay.settled()
        pay.confirm(null, "")
        val shown = assertInstanceOf(PayModel.Step.ShowTransfer::class.java, pay.settled().step)
        pay.receiptScanned(earlierReceipt.qr.text)
        val stillWaiting = pay.settled()
        assertEquals(shown, stillWaiting.step)
        assertMessage(stillWaiting, UserMessage.Kind.Info, "earlier payment", Format.shortId(earlier.transferId))
        val sent = runBlocking { payer.host.call { it.history(null, 100u) } }
        assertEquals(TransferStatus.DELIVERED, sent.single { it.transferId == earlier.transferId }.status)

        receive.reset()
        receive.scanned(shown.payment.qrText)
        val receipt = assertInstanceOf(ReceiveModel.Step.ShowReceipt::class.java, receive.settled().step)
        pay.receiptScanned(receipt.qr.text)
        assertInstanceOf(PayModel.Step.Done::class.java, pay.settled().step)
    }

    @Test
    fun `history comes newest first, a page at a time, to the end`() {
        repeat(3) { pay(request(receiver, "10", "page $it")) }
        val all = runBlocking { payer.host.call { it.history(null, 1_000u) } }.map { it.transferId }
        val history = HistoryModel(payer.host, payer.scope, pageSize = 2)
        val first = history.state.await { it.rows.isNotEmpty() }
        assertEquals(all.take(2), first.rows.map { it.id })
        assertEquals(listOf("page 2", "page 1"), first.rows.map { it.memo })
        assertFalse(first.endReached)

        repeat(all.size) {
            if (!history.state.value.endReached) {
                history.loadMore()
                history.settled()
            }
        }
        val end = history.state.value
        assertTrue(end.endReached)
        assertEquals(all, end.rows.map { it.id })
    }

    @Test
    fun `a stopped ledger is no network - an Info message, nothing changed, and a later sync works`() {
        val stopped = LedgerProcess.start().use { it.baseUrl }
        val before = balances(payer)

        val offline = SyncModel(payer.host, payer.scope, LedgerSettings(stopped, ledger.publicKeyHex))
        offline.sync(5_000uL)
        val failed = offline.settled()
        assertEquals(UserMessage.info(UserMessage.NO_NETWORK), failed.message)
        assertNull(failed.report)
        assertEquals(before, balances(payer))

        val online = SyncModel(payer.host, payer.scope, settings)
        online.sync()
        val synced = online.settled()
        assertNull(synced.message)
        assertNotNull(synced.report)
    }

    private fun assertRejected(route: ScanRoute, reason: String) {
        val rejected = assertInstanceOf(ScanRoute.Rejected::class.java, route)
        assertEquals(UserMessage.Kind.Problem, rejected.message.kind)
        assertTrue(rejected.message.text.contains(reason, ignoreCase = true), rejected.message.text)
    }

    /** A payment request made on [phone]'s request screen. */
    private fun request(phone: Phone, amount: String, memo: String): PaymentRequest {
        val screen = RequestModel(phone.host, phone.scope)
        screen.create(amount, memo)
        val made = screen.settled()
        return checkNotNull(made.request) { "no request: ${made.message}" }
    }

    /** The payer pays [request] directly, for tests about the receiving side. */
    private fun pay(request: PaymentRequest): Payment =
        runBlocking { withTimeout(WAIT) { payer.host.call { it.payRequest(request.qrText, null, "") } } }

    private fun balances(phone: Phone): Balances = runBlocking { withTimeout(WAIT) { phone.host.call { it.balances() } } }
}
