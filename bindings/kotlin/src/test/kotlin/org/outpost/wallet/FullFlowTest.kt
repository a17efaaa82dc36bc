package org.outpost.wallet

import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.assertThrows

/**
 * Two wallets, Aiko and Ben, made with a Kotlin key protector, do the whole offline QR handshake
 * and settle it at a real ledger process over loopback; then the ledger's audit export is checked
 * offline by a wallet and by the top-level function.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FullFlowTest {
    private lateinit var ledger: LedgerProcess
    private val wallets = WalletDir()

    @BeforeAll
    fun startLedger() {
        ledger = LedgerProcess.start()
    }

    @AfterAll
    fun stop() {
        wallets.close()
        if (::ledger.isInitialized) ledger.close()
    }

    @Test
    fun `two wallets pay offline by QR, settle at the ledger and audit its log`() {
        val key = ledger.publicKeyHex
        val transport = JdkSyncTransport(ledger.baseUrl)
        val aiko = wallets.create("aiko")
        val ben = wallets.create("ben")
        assertEquals("JPY", aiko.currency())
        assertTrue(aiko.isUnlocked())
        assertNotEquals(aiko.identity().signingKey, ben.identity().signingKey)

        // Enrolment: the officer scans each wallet's QR; each wallet pins the ledger's key.
        assertEquals(null, aiko.ledgerKey())
        val aikoQr = aiko.enrolmentQr("aiko")
        assertTrue(aikoQr.startsWith("OP1E:"), aikoQr)
        assertEquals(QrKind.ENROLMENT, qrKind(aikoQr))
        val enrolled = ledger.enrol(aikoQr)
        assertEquals("aiko", MiniJson.requireString(enrolled, "member_id"))
        assertEquals(aiko.identity().signingKey, MiniJson.requireString(enrolled, "wallet_key"))
        aiko.pinLedgerKey(key)
        assertEquals(key, aiko.ledgerKey())
        ledger.enrolWallet(ben, "ben")

        // Aiko is paid 20 000 online and loads 10 000 of it into an offline purse.
        ledger.credit("aiko", 20_000, "pay")
        val loaded = aiko.sync(transport, 10_000uL)
        assertEquals(10_000uL, loaded.newPurse?.minor)
        assertEquals(10_000L, loaded.onlineBalanceMinor)
        aiko.balances().let {
            assertEquals(10_000uL, it.offlinePurse.minor)
            assertEquals(10_000uL, it.online.minor)
            assertEquals("JPY", it.offlinePurse.currency)
        }
        ledger.member("aiko").let {
            assertEquals(10_000L, MiniJson.long(it, "balance_minor"))
            assertEquals(10_000L, MiniJson.long(it, "in_purses_minor"))
        }

        // Offline: Ben shows a request, Aiko pays it, Ben scans the payment, Aiko the receipt.
        val request = ben.createRequest(3_000uL, "canteen", 600uL)
        assertEquals(3_000uL, request.amount?.minor)
        assertEquals(QrKind.PAYMENT_REQUEST, qrKind(request.qrText))
        val payment = aiko.payRequest(request.qrText, null, "")
        assertEquals(3_000uL, payment.amount.minor)
        assertEquals(QrKind.TRANSFER, qrKind(payment.qrText))
        aiko.balances().let {
            assertEquals(7_000uL, it.offlinePurse.minor)
            assertEquals(3_000uL, it.pendingOutgoing.minor)
        }

        val accepted = ben.accept(payment.qrText)
        assertEquals(3_000uL, accepted.amount.minor)
        assertEquals(payment.transferId, accepted.transferId)
        assertEquals("canteen", accepted.memo)
        assertEquals("aiko", accepted.senderMemberId)
        assertEquals(aiko.identity().signingKey, accepted.senderKey)
        assertFalse(accepted.alreadyAccepted)
        assertTrue(accepted.receiptQr.startsWith("OP1C:"), accepted.receiptQr)
        assertEquals(QrKind.RECEIPT, qrKind(accepted.receiptQr))
        assertEquals(3_000uL, ben.balances().pendingIncoming.minor)

        val again = ben.accept(payment.qrText)
        assertTrue(again.alreadyAccepted)
        assertEquals(accepted.transferId, again.transferId)
        assertEquals(3_000uL, ben.balances().pendingIncoming.minor, "a second scan credits nothing")

        val confirmed = aiko.confirmReceipt(accepted.receiptQr)
        assertEquals(payment.transferId, confirmed.transferId)
        assertFalse(confirmed.alreadyConfirmed)
        assertTrue(aiko.confirmReceipt(accepted.receiptQr).alreadyConfirmed)
        assertEquals(TransferStatus.DELIVERED, aiko.history(null, 10u).single().status)
        assertEquals(TransferStatus.PENDING_SETTLEMENT, ben.history(null, 10u).single().status)

        // Online again: Aiko's upload settles the transfer at the ledger; Ben learns of it at his.
        val aikoReport = aiko.sync(transport, null)
        assertEquals(1u, aikoReport.settled)
        assertTrue(aikoReport.refused.isEmpty())
        assertEquals(10_000L, aikoReport.onlineBalanceMinor)
        val benReport = ben.sync(transport, null)
        assertEquals(1u, benReport.settled)
        assertEquals(3_000L, benReport.onlineBalanceMinor)
        assertEquals(3_000uL, ben.balances().online.minor)
        assertEquals(0uL, ben.balances().pendingIncoming.minor)
        assertEquals(0uL, aiko.balances().pendingOutgoing.minor)
        assertEquals(3_000L, MiniJson.long(ledger.member("ben"), "balance_minor"))
        assertFalse(MiniJson.boolean(ledger.member("aiko"), "flagged"))

        val sent = aiko.history(null, 10u).single()
        assertEquals(Direction.SENT, sent.direction)
        assertEquals(TransferStatus.SENT_SETTLED, sent.status)
        assertEquals(payment.transferId, sent.transferId)
        assertEquals(ben.identity().signingKey, sent.counterpartyKey)
        assertTrue(sent.statusText.contains("settled"), sent.statusText)
        val received = ben.history(null, 10u).single()
        assertEquals(Direction.RECEIVED, received.direction)
        assertEquals(TransferStatus.RECEIVED_SETTLED, received.status)
        assertEquals(aiko.identity().signingKey, received.counterpartyKey)
        assertEquals(3_000uL, received.amount.minor)
        assertEquals("canteen", received.memo)
        aiko.verifyLog()
        assertTrue(ben.verifyLog().entries > 0uL)

        // The ledger's books, checked offline.
        val checkpoint = checkNotNull(ben.ledgerCheckpoint()) { "a synced wallet holds a checkpoint" }
        assertTrue(checkpoint.size > 0uL)
        val export = ledger.auditExport()
        val summary = ben.verifyAuditExport(export)
        assertEquals(20_000L, summary.credited)
        assertEquals(summary.credited, summary.accounts + summary.purses)
        assertTrue(summary.flagged.isEmpty())
        assertTrue(summary.checkpoint.size >= checkpoint.size)
        val top = verifyAuditExport(export, key)
        assertEquals(summary, top)

        val tampered = export.copyOf().also { it[it.size / 2] = (it[it.size / 2].toInt() xor 0x01).toByte() }
        val failed = assertThrows<WalletException.AuditFailed> { verifyAuditExport(tampered, key) }
        assertTrue(failed.reason.isNotBlank())
        assertThrows<WalletException.AuditFailed> { aiko.verifyAuditExport(tampered) }
        assertThrows<WalletException.AuditFailed> { verifyAuditExport(export.copyOf(export.size - 1), key) }
        assertThrows<WalletException.AuditFailed> { verifyAuditExport(export, "22".repeat(32)) }

        // Paying a saved contact needs no request: Aiko saves Ben from his identity card.
        val contact = aiko.addContact("Ben", ben.enrolmentQr("ben"))
        assertEquals("Ben", contact.label)
        assertEquals(ben.identity(), contact.identity)
        assertEquals(listOf(contact), aiko.contacts())
        val tea = aiko.payContact(contact.identity.signingKey, 500uL, "tea")
        val teaAccepted = ben.accept(tea.qrText)
        assertEquals(500uL, teaAccepted.amount.minor)
        assertEquals("tea", teaAccepted.memo)
        assertEquals(6_500uL, aiko.balances().offlinePurse.minor)
        assertEquals("Ben", aiko.history(null, 1u).single().counterpartyLabel)
    }

    @Test
    fun `the built-in HTTP transport syncs too, and says when the ledger is unreachable`() {
        val carol = wallets.create("carol")
        // A ledger of its own, so the audit totals of the flow above see only Aiko and Ben.
        val gone = LedgerProcess.start().use { other ->
            other.enrolWallet(carol, "carol")
            other.credit("carol", 5_000, "pay")
            val report = carol.sync(httpSyncTransport(other.baseUrl, 10u), 2_000uL)
            assertEquals(2_000uL, report.newPurse?.minor)
            assertEquals(3_000L, report.onlineBalanceMinor)
            assertEquals(2_000uL, carol.balances().offlinePurse.minor)
            assertEquals(2_000L, MiniJson.long(other.member("carol"), "in_purses_minor"))
            assertEquals(5_000L, verifyAuditExport(other.auditExport(), other.publicKeyHex).credited)
            other.baseUrl
        }
        // That ledger has stopped now.
        val down = assertThrows<WalletException.LedgerUnreachable> { carol.sync(httpSyncTransport(gone, 2u), null) }
        assertTrue(down.reason.isNotBlank())
        assertEquals(2_000uL, carol.balances().offlinePurse.minor)
    }
}
