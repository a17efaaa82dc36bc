package org.outpost.wallet

import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.assertThrows
import java.io.File

/**
 * Every failure an app meets arrives as a typed `WalletException` whose `reason` is the text to
 * show, including exceptions thrown by the app's own callbacks; none of them breaks the wallet.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ErrorsTest {
    private lateinit var ledger: LedgerProcess
    private val wallets = WalletDir()

    /** Enrolled with a purse of 10 000, paying [receiver] in the tests that need money. */
    private lateinit var payer: Wallet
    private lateinit var receiver: Wallet

    @BeforeAll
    fun setUp() {
        ledger = LedgerProcess.start()
        payer = wallets.create("payer")
        receiver = wallets.create("receiver")
        ledger.fundWallet(payer, "payer", 20_000, 10_000uL)
        ledger.enrolWallet(receiver, "receiver")
    }

    @AfterAll
    fun tearDown() {
        wallets.close()
        if (::ledger.isInitialized) ledger.close()
    }

    @Test
    fun `a wrong PIN is PinIncorrect with readable text and fewer tries left each time`() {
        val wallet = wallets.create("pin")
        wallet.lock()
        assertFalse(wallet.isUnlocked())

        val first = assertThrows<WalletException.PinIncorrect> { wallet.unlock("000000") }
        assertTrue(first.reason.startsWith("PIN incorrect"), first.reason)
        assertEquals(first.reason, first.toString(), "toString() is the Rust Display: the reason")
        assertEquals(first.reason, first.message, "the exception message is the reason, not a field list")
        assertEquals(0uL, first.retryAfterSecs)

        val second = assertThrows<WalletException.PinIncorrect> { wallet.unlock("000001") }
        assertEquals(first.triesLeft - 1u, second.triesLeft)
        assertTrue(second.triesBeforeDelay < first.triesBeforeDelay)
        assertTrue(second.reason.startsWith("PIN incorrect"), second.reason)
        assertFalse(wallet.isUnlocked())

        // Two wrong tries are within the free ones: the right PIN opens it and resets the count.
        wallet.unlock(PIN)
        assertTrue(wallet.isUnlocked())
        wallet.lock()
        val afterReset = assertThrows<WalletException.PinIncorrect> { wallet.unlock("000002") }
        assertEquals(first.triesLeft, afterReset.triesLeft)
        wallet.unlock(PIN)
    }

    @Test
    fun `a PIN that breaks the rules is InvalidPin, before any wallet exists`() {
        val path = wallets.path("short-pin")
        val error = assertThrows<WalletException.InvalidPin> { Wallet.create(path, "12", "JPY", AesGcmKeyProtector()) }
        assertTrue(error.reason.contains("at least 6"), error.reason)
        assertFalse(File(path).exists())
        val currency = assertThrows<WalletException.BadAmount> { Wallet.create(path, PIN, "yen", AesGcmKeyProtector()) }
        assertTrue(currency.reason.isNotBlank())
    }

    @Test
    fun `a locked wallet refuses money calls with Locked but still shows its identity`() {
        val wallet = wallets.create("locked")
        val identity = wallet.identity()
        wallet.lock()
        val locked = assertThrows<WalletException.Locked> { wallet.balances() }
        assertTrue(locked.reason.contains("locked"), locked.reason)
        assertEquals(locked.reason, locked.toString())
        assertThrows<WalletException.Locked> { wallet.createRequest(100uL, "", 60uL) }
        assertEquals(identity, wallet.identity())
        wallet.unlock(PIN)
        assertEquals(0uL, wallet.balances().offlinePurse.minor)
    }

    @Test
    fun `garbage and cut-short QR text is BadQr saying what is wrong`() {
        val notOutpost = assertThrows<WalletException.BadQr> { receiver.accept("https://example.com/pay?to=me") }
        assertTrue(notOutpost.reason.contains("not an Outpost code"), notOutpost.reason)

        val empty = assertThrows<WalletException.BadQr> { receiver.accept("") }
        assertTrue(empty.reason.contains("empty"), empty.reason)

        val header = assertThrows<WalletException.BadQr> { receiver.accept("OP1") }
        assertTrue(header.reason.contains("stops after 3 characters"), header.reason)

        val newer = assertThrows<WalletException.BadQr> { receiver.accept("OP2T:BB8") }
        assertTrue(newer.reason.contains("update the app"), newer.reason)

        val lowercase = assertThrows<WalletException.BadQr> { receiver.accept("OP1T:bb8") }
        assertTrue(lowercase.reason.isNotBlank())

        // A real transfer cut short: base45 comes in groups of 2 or 3 characters, so a body one
        // character past a group boundary can never be whole. The cut must not end in a space (a
        // base45 digit, which a whole code never ends in): trimmed off, it would leave whole groups.
        val transfer = payer.payRequest(receiver.createRequest(50uL, "cut", 600uL).qrText, null, "").qrText
        val body = transfer.length - 5
        var end = 5 + (body / 2) / 3 * 3 + 1
        while (transfer[end - 1] == ' ') end -= 3
        val cut = transfer.substring(0, end)
        val damaged = assertThrows<WalletException.BadQr> { receiver.accept(cut) }
        assertTrue(damaged.reason.contains("damaged"), damaged.reason)

        // Nothing was taken in; the whole code still goes through afterwards.
        assertEquals(50uL, receiver.accept(transfer).amount.minor)
    }

    @Test
    fun `a payment request given to accept is BadQr naming the code to scan`() {
        val request = receiver.createRequest(100uL, "wrong screen", 600uL)
        val error = assertThrows<WalletException.BadQr> { receiver.accept(request.qrText) }
        assertTrue(error.reason.contains("payment request"), error.reason)
        assertTrue(error.reason.contains("transfer"), error.reason)
        assertThrows<WalletException.BadQr> { payer.confirmReceipt(request.qrText) }
    }

    @Test
    fun `paying the same request twice is AlreadyPaid naming the first transfer`() {
        val request = receiver.createRequest(200uL, "twice", 600uL)
        val before = payer.balances().offlinePurse.minor
        val paid = payer.payRequest(request.qrText, null, "")
        val again = assertThrows<WalletException.AlreadyPaid> { payer.payRequest(request.qrText, null, "") }
        assertEquals(paid.transferId, again.transferId)
        assertTrue(again.transferId.isNotEmpty())
        assertTrue(again.reason.isNotBlank())
        assertEquals(before - 200uL, payer.balances().offlinePurse.minor, "paid once only")
        // The app shows the first transfer again instead.
        assertEquals(QrKind.TRANSFER, qrKind(payer.showTransfer(again.transferId)))
    }

    @Test
    fun `paying more than the purse holds is InsufficientPurse with the amounts`() {
        val remaining = payer.balances().offlinePurse.minor
        val request = receiver.createRequest(remaining + 1uL, "too much", 600uL)
        val error = assertThrows<WalletException.InsufficientPurse> { payer.payRequest(request.qrText, null, "") }
        assertEquals(remaining, error.remainingMinor)
        assertEquals(remaining + 1uL, error.askedMinor)
    }

    @Test
    fun `a key protector that throws becomes KeyProtectorFailed with its message, never a crash`() {
        val protector = SwitchableProtector()
        val path = wallets.path("hardware")

        protector.failWith = RuntimeException("hardware gone")
        val onCreate = assertThrows<WalletException.KeyProtectorFailed> { Wallet.create(path, PIN, "JPY", protector) }
        // The exception's text, without the Kotlin stack trace uniffi sends along with it.
        assertTrue(onCreate.reason.contains("hardware gone"), onCreate.reason)
        assertEquals(1, onCreate.reason.lines().size, onCreate.reason)
        assertEquals(onCreate.reason, onCreate.toString())
        assertEquals(onCreate.reason, onCreate.message)

        protector.failWith = null
        val wallet = wallets.keep(Wallet.create(path, PIN, "JPY", protector))
        wallet.lock()
        protector.failWith = RuntimeException("hardware gone")
        val onUnlock = assertThrows<WalletException.KeyProtectorFailed> { wallet.unlock(PIN) }
        assertTrue(onUnlock.reason.contains("hardware gone"), onUnlock.reason)
        assertEquals(1, onUnlock.reason.lines().size, onUnlock.reason)
        assertFalse(wallet.isUnlocked())

        protector.failWith = null
        wallet.unlock(PIN)
        assertTrue(wallet.isUnlocked())
    }

    @Test
    fun `a key protector that is cancelled becomes KeyProtectorCancelled, not a PIN try`() {
        val protector = SwitchableProtector()
        val wallet = wallets.keep(Wallet.create(wallets.path("cancel"), PIN, "JPY", protector))
        wallet.lock()
        val fresh = assertThrows<WalletException.PinIncorrect> { wallet.unlock("999999") }

        protector.failWith = KeyProtectorException.Cancelled("the user closed the fingerprint prompt")
        repeat(3) { assertThrows<WalletException.KeyProtectorCancelled> { wallet.unlock(PIN) } }
        protector.failWith = KeyProtectorException.Unavailable("the key was invalidated by a new fingerprint")
        val unavailable = assertThrows<WalletException.KeyProtectorUnavailable> { wallet.unlock(PIN) }
        assertTrue(unavailable.reason.contains("invalidated"), unavailable.reason)

        protector.failWith = null
        val counted = assertThrows<WalletException.PinIncorrect> { wallet.unlock("999998") }
        assertEquals(fresh.triesLeft - 1u, counted.triesLeft, "cancelled prompts are not PIN tries")
        wallet.unlock(PIN)
    }

    @Test
    fun `a sync transport that throws is LedgerUnreachable, a refusal is LedgerRefused`() {
        val throwing = object : SyncTransport {
            override fun exchange(request: ByteArray): ByteArray = throw IllegalStateException("no route to the ledger")
        }
        val unreachable = assertThrows<WalletException.LedgerUnreachable> { receiver.sync(throwing, null) }
        assertTrue(unreachable.reason.contains("no route to the ledger"), unreachable.reason)
        assertEquals(1, unreachable.reason.lines().size, unreachable.reason)

        val refusing = object : SyncTransport {
            override fun exchange(request: ByteArray): ByteArray =
                throw SyncTransportException.Refused("down for maintenance", 503u)
        }
        val refused = assertThrows<WalletException.LedgerRefused> { receiver.sync(refusing, null) }
        assertEquals(503.toUShort(), refused.status)
        assertTrue(refused.reason.contains("down for maintenance"), refused.reason)

        // The JDK transport against a port nobody listens on.
        val closed = java.net.ServerSocket(0).use { it.localPort }
        assertThrows<WalletException.LedgerUnreachable> {
            receiver.sync(JdkSyncTransport("http://127.0.0.1:$closed"), null)
        }

        // Retrying through a working transport succeeds.
        assertTrue(receiver.sync(JdkSyncTransport(ledger.baseUrl), null).checkpointSize > 0uL)
    }

    @Test
    fun `a transport answering garbage or an altered answer is LedgerUntrusted and the wallet still syncs`() {
        val real = JdkSyncTransport(ledger.baseUrl)
        receiver.sync(real, null)
        val before = receiver.ledgerCheckpoint()

        val garbage = object : SyncTransport {
            override fun exchange(request: ByteArray): ByteArray = ByteArray(64) { (it * 37 + 11).toByte() }
        }
        val malformed = assertThrows<WalletException.LedgerUntrusted> { receiver.sync(garbage, null) }
        assertTrue(malformed.reason.contains("sync response"), malformed.reason)

        // The real answer with one bit flipped on the way: its signature no longer holds.
        val tampering = object : SyncTransport {
            override fun exchange(request: ByteArray): ByteArray =
                real.exchange(request).also { it[it.size - 1] = (it[it.size - 1].toInt() xor 0x01).toByte() }
        }
        val altered = assertThrows<WalletException.LedgerUntrusted> { receiver.sync(tampering, null) }
        assertTrue(altered.reason.contains("signature does not verify"), altered.reason)
        assertEquals(before, receiver.ledgerCheckpoint(), "nothing applied")

        val report = receiver.sync(real, null)
        assertTrue(report.checkpointSize >= before!!.size)
        receiver.verifyLog()
        assertEquals(receiver.balances(), receiver.balances())
    }

    @Test
    fun `the app can tell every error apart by type and read its fields`() {
        val notHex = assertThrows<WalletException.BadMessage> { payer.pinLedgerKey("not a key") }
        assertTrue(notHex.reason.contains("64 hexadecimal digits"), notHex.reason)
        val other = "11".repeat(32)
        assertThrows<WalletException.LedgerKeyMismatch> { payer.pinLedgerKey(other) }
        val fresh = wallets.create("unenrolled")
        assertThrows<WalletException.NotEnrolled> { fresh.sync(JdkSyncTransport(ledger.baseUrl), null) }
        fresh.pinLedgerKey(ledger.publicKeyHex)
        val request = receiver.createRequest(10uL, "", 600uL).qrText
        val noPurse = assertThrows<WalletException.NoPurse> { fresh.payRequest(request, null, "") }
        assertTrue(noPurse.reason.isNotBlank())
        assertThrows<WalletException.BadAmount> { payer.parseAmount("12.5") }
        assertEquals(3_000uL, payer.parseAmount("3,000"))
        assertEquals("¥3,000", payer.formatAmount(3_000uL).text)
    }
}

/** The test protector, with a switch that makes every call throw [failWith]. */
class SwitchableProtector : KeyProtector {
    private val inner = AesGcmKeyProtector()

    @Volatile
    var failWith: Exception? = null

    override fun wrap(plaintext: ByteArray): ByteArray {
        failWith?.let { throw it }
        return inner.wrap(plaintext)
    }

    override fun unwrap(wrapped: ByteArray): ByteArray {
        failWith?.let { throw it }
        return inner.unwrap(wrapped)
    }
}
