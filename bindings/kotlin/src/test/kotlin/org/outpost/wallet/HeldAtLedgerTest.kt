package org.outpost.wallet

import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.assertThrows
import java.nio.file.Files

/**
 * Money the phone cannot pay with but the ledger still holds for the member. A cheat restores a
 * copy of their wallet from before they paid and spends the same purse again; the shop's phone
 * keeps both transfers as evidence, and at its sync the ledger revokes the purse. The cheat's
 * phone then shows the remainder as held at the ledger, why, and when it comes back.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HeldAtLedgerTest {
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
    fun `a revoked purse's remainder is shown as held at the ledger, with why and when it comes back`() {
        val transport = JdkSyncTransport(ledger.baseUrl)
        val protector = AesGcmKeyProtector()
        var cheat = wallets.create("cheat", protector)
        val shop = wallets.create("shop")
        assertEquals(10_000uL, ledger.fundWallet(cheat, "cheat", 20_000, 10_000uL).newPurse?.minor)
        ledger.enrolWallet(shop, "shop")
        assertEquals(emptyList<HeldMoney>(), cheat.heldAtLedger())

        // Closed, the wallet is all in its one file (SQLite folds its write-ahead log back in).
        cheat.close()
        Files.copy(wallets.dir.resolve("cheat.wallet"), wallets.dir.resolve("copy.wallet"))
        cheat = wallets.keep(Wallet.open(wallets.path("cheat"), protector)).apply { unlock(PIN) }
        val copy = wallets.keep(Wallet.open(wallets.path("copy"), protector)).apply { unlock(PIN) }

        assertEquals(3_000uL, shop.accept(pay(cheat, shop, 3_000uL, "first").qrText).amount.minor)
        assertThrows<WalletException.DoubleSpend> { shop.accept(pay(copy, shop, 9_000uL, "again").qrText) }

        cheat.sync(transport, null)
        shop.sync(transport, null) // uploads the evidence: the ledger revokes the purse
        cheat.sync(transport, null)

        assertEquals(0uL, cheat.balances().offlinePurse.minor)
        val held = cheat.heldAtLedger().single()
        assertEquals(Money(7_000uL, "JPY", "¥7,000"), held.amount)
        assertEquals(HeldReason.REVOKED, held.reason)
        assertEquals("the purse was revoked by the ledger", held.reasonText)
        val purse = ledger.officer("GET", "/v1/officer/members/cheat/purses", null)
        assertEquals("revoked", MiniJson.requireString(purse, "state"))
        assertEquals(7_000L, MiniJson.long(purse, "outstanding_minor"), "the ledger holds what the phone shows")
        assertEquals(MiniJson.requireString(purse, "purse_id"), held.purseId)
        assertEquals(MiniJson.long(purse, "expires_at").toULong(), held.expiresAt)
        assertTrue(held.text.startsWith("¥7,000 is held at the ledger, since the purse was revoked by the ledger"), held.text)
        assertTrue(held.text.contains("comes back to your online account"), held.text)
    }

    private fun pay(payer: Wallet, payee: Wallet, amountMinor: ULong, memo: String): Payment {
        val request = payee.createRequest(amountMinor, memo, 600uL)
        return payer.payRequest(request.qrText, null, "")
    }
}
