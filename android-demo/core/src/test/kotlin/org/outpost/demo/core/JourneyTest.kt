package org.outpost.demo.core

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
import org.outpost.wallet.Direction
import org.outpost.wallet.Identity
import org.outpost.wallet.LedgerProcess
import org.outpost.wallet.MiniJson
import org.outpost.wallet.PIN
import kotlinx.coroutines.runBlocking

/**
 * The whole app on two simulated phones, screen by screen, against the real library and a real
 * ledger process: Aiko (a phone with a fingerprint reader) pays Ben (one without) offline, and
 * both settle at the ledger. Nothing calls a wallet directly: every step is a state holder action
 * and every check reads a state, as the Compose screens would.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JourneyTest {
    private lateinit var ledger: LedgerProcess
    private lateinit var settings: LedgerSettings
    private val aiko = Phone("aiko", biometricAvailable = true)
    private val ben = Phone("ben", biometricAvailable = false)

    @BeforeAll
    fun startLedger() {
        ledger = LedgerProcess.start()
        settings = LedgerSettings(ledger.baseUrl, ledger.publicKeyHex)
    }

    @AfterAll
    fun stop() {
        aiko.close()
        ben.close()
        if (::ledger.isInitialized) ledger.close()
    }

    @Test
    fun `onboarding, enrolment, a purse, request, pay, receipt and settlement on two phones`() {
        val aikoId = onboardWithFingerprint(aiko)
        val benId = onboardWithoutFingerprint(ben)

        enrol(aiko, "aiko")
        enrol(ben, "ben")
        ledger.credit("aiko", 20_000, "pay")

        val aikoHome = HomeModel(aiko.host, aiko.scope)
        val benHome = HomeModel(ben.host, ben.scope)
        val aikoHistory = HistoryModel(aiko.host, aiko.scope)
        val benHistory = HistoryModel(ben.host, ben.scope)
        assertEquals(0uL, aikoHome.state.await { it.purse != null }.purse?.minor)

        // Aiko loads a purse; her home screen follows without being asked.
        val aikoSync = SyncModel(aiko.host, aiko.scope, settings)
        aikoSync.loadPurse("10,000")
        val loaded = aikoSync.settled()
        assertNull(loaded.message)
        assertEquals(10_000uL, loaded.report?.newPurse?.minor)
        // What the CLI prints for the same sync, word for word: the wallet's lines.
        assertEquals(loaded.report!!.lines.joinToString("\n"), loaded.summary)
        assertTrue("Loaded an offline purse of ¥10,000: this is what you can pay offline." in loaded.report.lines, loaded.summary)
        aikoHome.state.await { it.purse?.minor == 10_000uL && it.online?.minor == 10_000uL }

        // Ben asks for 3 000; Aiko's scanner routes his code to the pay screen.
        val request = RequestModel(ben.host, ben.scope)
        request.create("3,000", "canteen")
        val asked = request.settled()
        val requestQr = checkNotNull(asked.qr) { "no request code: ${asked.message}" }
        assertEquals(3_000uL, asked.request?.amount?.minor)
        assertEquals(asked.request?.qrText, requestQr.text)
        assertEquals("expires in 10 min", request.expiry())
        val payRoute = assertInstanceOf(ScanRoute.PayRequest::class.java, ScanRouter.route(requestQr.text + "\n"))
        assertEquals(requestQr.text, payRoute.qr, "the scanner's line ending is trimmed")

        // Aiko checks who asks and how much, then pays.
        val pay = PayModel(aiko.host, aiko.scope)
        pay.scanned(payRoute.qr)
        val confirm = assertInstanceOf(PayModel.Step.Confirm::class.java, pay.settled().step)
        assertEquals(benId.fingerprint, Format.fingerprint(confirm.preview.payee))
        assertEquals(benId.signingKey, confirm.preview.payee.signingKey)
        assertEquals("¥3,000", confirm.preview.amount?.text)
        assertEquals("canteen", confirm.preview.memo)
        assertFalse(confirm.amountNeeded)
        pay.confirm(null, "")
        val shown = assertInstanceOf(PayModel.Step.ShowTransfer::class.java, pay.settled().step)
        assertEquals(3_000uL, shown.payment.amount.minor)
        assertEquals(shown.payment.qrText, shown.qr.text)
        assertFalse(shown.shownAgain)
        aikoHome.state.await { it.purse?.minor == 7_000uL && it.pendingOut?.minor == 3_000uL }
        val sent = aikoHistory.state.await { it.rows.size == 1 }.rows.single()
        assertEquals(shown.payment.transferId, sent.id)
        assertEquals(Direction.SENT, sent.direction)
        assertEquals("\u2212¥3,000", sent.amount)
        assertEquals("awaiting receipt", sent.status.text)
        assertEquals("canteen", sent.memo)
        assertEquals("key ${Format.shortId(benId.signingKey)}", sent.counterparty)
        assertEquals("just now", sent.ago)

        // Ben's scanner routes the transfer to the receive screen, which shows the receipt.
        val receiveRoute = assertInstanceOf(ScanRoute.Receive::class.java, ScanRouter.route(shown.qr.text))
        val receive = ReceiveModel(ben.host, ben.scope)
        receive.scanned(receiveRoute.qr)
        val receipt = assertInstanceOf(ReceiveModel.Step.ShowReceipt::class.java, receive.settled().step)
        assertEquals(shown.payment.transferId, receipt.accepted.transferId)
        assertEquals(3_000uL, receipt.accepted.amount.minor)
        assertEquals("aiko", receipt.accepted.senderMemberId)
        assertEquals(aikoId.signingKey, receipt.accepted.senderKey)
        assertFalse(receipt.accepted.alreadyAccepted)
        assertNull(receive.state.value.message)
        benHome.state.await { it.pendingIn?.minor == 3_000uL }
        val received = benHistory.state.await { it.rows.size == 1 }.rows.single()
        assertEquals("+¥3,000", received.amount)
        assertEquals("aiko", received.counterparty)
        assertEquals("pending settlement", received.status.text)

        // Aiko scans the receipt: delivered.
        val receiptRoute = assertInstanceOf(ScanRoute.ConfirmReceipt::class.java, ScanRouter.route(receipt.qr.text))
        pay.awaitReceipt()
        assertInstanceOf(PayModel.Step.WaitReceipt::class.java, pay.state.value.step)
        pay.receiptScanned(receiptRoute.qr)
        val done = assertInstanceOf(PayModel.Step.Done::class.java, pay.settled().step)
        assertEquals(shown.payment.transferId, done.confirmed.transferId)
        assertFalse(done.confirmed.alreadyConfirmed)
        val delivered = aikoHistory.state.await { it.rows.single().status.text != "awaiting receipt" }.rows.single()
        assertEquals("delivered", delivered.status.text)

        // Online again: Aiko's upload settles the transfer, Ben learns of it at his sync.
        aikoSync.sync()
        assertEquals(1u, aikoSync.settled().report?.settled, aikoSync.state.value.summary)
        val benSync = SyncModel(ben.host, ben.scope, settings)
        benSync.sync()
        val benSynced = benSync.settled()
        assertEquals(1u, benSynced.report?.settled)
        assertEquals("The ledger settled 1 transfer.", benSynced.summary!!.lines().first(), benSynced.summary)

        val benAfter = benHome.state.await { it.online?.minor == 3_000uL }
        assertEquals(0uL, benAfter.pendingIn?.minor)
        assertNotNull(benAfter.lastSync)
        val aikoAfter = aikoHome.state.await { it.pendingOut?.minor == 0uL }
        assertEquals(7_000uL, aikoAfter.purse?.minor)
        assertEquals(10_000uL, aikoAfter.online?.minor)
        assertEquals(3_000L, MiniJson.long(ledger.member("ben"), "balance_minor"))

        val aikoSettled = aikoHistory.state.await { it.rows.single().status.tone == StatusLabel.Tone.Done }.rows.single()
        assertEquals("settled", aikoSettled.status.text)
        val benSettled = benHistory.state.await { it.rows.single().status.tone == StatusLabel.Tone.Done }.rows.single()
        assertEquals("settled into your account", benSettled.status.text)
    }

    /** Chooses a PIN, mistypes the confirmation, starts over, and makes the wallet with a fingerprint. */
    private fun onboardWithFingerprint(phone: Phone): Identity {
        val onboarding = OnboardingModel(phone.host, phone.scope)
        assertEquals(OnboardingModel.Step.ChoosePin, onboarding.state.value.step)
        assertTrue(onboarding.state.value.biometricAvailable)
        assertEquals(Session.NoWallet, phone.host.session.value)

        onboarding.choosePin(PIN)
        assertEquals(OnboardingModel.Step.ConfirmPin, onboarding.state.value.step)
        onboarding.confirmPin(PIN.reversed())
        onboarding.state.value.let {
            assertEquals(OnboardingModel.Step.ChoosePin, it.step)
            assertEquals(UserMessage.problem(OnboardingModel.MISMATCH), it.message)
        }

        onboarding.choosePin(PIN)
        onboarding.confirmPin(PIN)
        assertEquals(OnboardingModel.Step.Biometric, onboarding.state.value.step)
        onboarding.back()
        assertEquals(OnboardingModel.Step.ConfirmPin, onboarding.state.value.step)
        onboarding.confirmPin(PIN)
        assertEquals(OnboardingModel.Step.Biometric, onboarding.state.value.step)
        onboarding.chooseBiometric(true)
        val done = onboarding.settled()
        assertEquals(OnboardingModel.Step.Done, done.step, "${done.message}")
        assertEquals(true, phone.keys.biometricChosen)
        val identity = checkNotNull(done.identity)
        assertEquals(Session.Unlocked(identity), phone.host.session.value)
        assertTrue(phone.walletFile.exists())
        return identity
    }

    /**
     * Without a fingerprint reader, confirming the PIN makes the wallet at once; a PIN the wallet
     * refuses goes back to choosing, with the wallet's reason, and leaves no device key behind.
     */
    private fun onboardWithoutFingerprint(phone: Phone): Identity {
        val onboarding = OnboardingModel(phone.host, phone.scope)
        assertFalse(onboarding.state.value.biometricAvailable)
        onboarding.choosePin("12")
        onboarding.confirmPin("12")
        val refused = onboarding.settled()
        assertEquals(OnboardingModel.Step.ChoosePin, refused.step)
        assertMessage(refused, UserMessage.Kind.Problem, "at least 6")
        assertEquals(1, phone.keys.discarded)
        assertFalse(phone.walletFile.exists())
        assertEquals(Session.NoWallet, phone.host.session.value)

        onboarding.choosePin(PIN)
        onboarding.confirmPin(PIN)
        val done = onboarding.settled()
        assertEquals(OnboardingModel.Step.Done, done.step, "${done.message}")
        assertEquals(false, phone.keys.biometricChosen)
        return checkNotNull(done.identity)
    }

    /** The enrolment screen shows the code; the officer scans it and the ledger knows the member. */
    private fun enrol(phone: Phone, memberId: String) {
        val enrolment = EnrolmentModel(phone.host, phone.scope, settings)
        enrolment.show(" $memberId ")
        val shown = enrolment.settled()
        val qr = checkNotNull(shown.qr) { "no enrolment code: ${shown.message}" }
        assertEquals(memberId, shown.memberId)
        assertInstanceOf(ScanRoute.AddContact::class.java, ScanRouter.route(qr.text))
        assertEquals(memberId, MiniJson.requireString(ledger.enrol(qr.text), "member_id"))
        assertEquals(settings.keyHex, runBlocking { phone.host.call { it.ledgerKey() } })
    }
}
