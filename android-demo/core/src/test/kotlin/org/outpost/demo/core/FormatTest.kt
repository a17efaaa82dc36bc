package org.outpost.demo.core

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.outpost.wallet.Direction
import org.outpost.wallet.HistoryEntry
import org.outpost.wallet.KeyProtectorException
import org.outpost.wallet.Money
import org.outpost.wallet.SyncReport
import org.outpost.wallet.TransferStatus
import org.outpost.wallet.WalletException
import org.outpost.wallet.qrMatrix
import java.util.TimeZone

/** The pure parts: words for statuses, times and ids, error messages, and QR pictures. */
class FormatTest {
    @Test
    fun `every status reads right from either side, in the tone it deserves`() {
        val tones = mapOf(
            TransferStatus.AWAITING_RECEIPT to StatusLabel.Tone.Waiting,
            TransferStatus.DELIVERED to StatusLabel.Tone.Waiting,
            TransferStatus.PENDING_SETTLEMENT to StatusLabel.Tone.Waiting,
            TransferStatus.DOUBLE_SPEND_EVIDENCE to StatusLabel.Tone.Problem,
            TransferStatus.SENT_SETTLED to StatusLabel.Tone.Done,
            TransferStatus.RECEIVED_SETTLED to StatusLabel.Tone.Done,
            TransferStatus.RETURNED to StatusLabel.Tone.Returned,
            TransferStatus.RECEIVED_REFUSED to StatusLabel.Tone.Problem,
            TransferStatus.SENT_REFUSED to StatusLabel.Tone.Problem,
        )
        assertEquals(TransferStatus.entries.toSet(), tones.keys, "a status without an expected tone")
        for (status in TransferStatus.entries) {
            for (direction in Direction.entries) {
                val label = Format.status(status, direction)
                assertTrue(label.text.isNotBlank(), "$status $direction")
                assertEquals(tones[status], label.tone, "$status $direction: ${label.text}")
            }
        }
        assertEquals("awaiting receipt", Format.status(TransferStatus.AWAITING_RECEIPT, Direction.SENT).text)
        assertEquals("delivered", Format.status(TransferStatus.DELIVERED, Direction.SENT).text)
        assertEquals("settled", Format.status(TransferStatus.SENT_SETTLED, Direction.SENT).text)
        assertEquals("settled into your account", Format.status(TransferStatus.RECEIVED_SETTLED, Direction.RECEIVED).text)
        // Refusals say what they cost this side.
        assertTrue(Format.status(TransferStatus.SENT_REFUSED, Direction.SENT).text.contains("not paid"))
        assertTrue(Format.status(TransferStatus.RECEIVED_REFUSED, Direction.RECEIVED).text.contains("not credited"))
    }

    @Test
    fun `ago counts minutes, hours and days, then gives the date`() {
        val now = 1_700_000_000L // 2023-11-14 22:13:20 UTC
        val minute = 60L
        val hour = 60 * minute
        val day = 24 * hour
        assertEquals("just now", Format.ago(now, now))
        assertEquals("just now", Format.ago(now - 59, now))
        assertEquals("just now", Format.ago(now + 30, now), "a time ahead of the device clock")
        assertEquals("1 min ago", Format.ago(now - minute, now))
        assertEquals("59 min ago", Format.ago(now - hour + 1, now))
        assertEquals("1 h ago", Format.ago(now - hour, now))
        assertEquals("23 h ago", Format.ago(now - day + 1, now))
        assertEquals("1 day ago", Format.ago(now - day, now))
        assertEquals("2 days ago", Format.ago(now - 2 * day, now))
        assertEquals("6 days ago", Format.ago(now - 7 * day + 1, now))
        val utc = TimeZone.getTimeZone("UTC")
        assertEquals("2023-11-07", Format.ago(now - 7 * day, now, utc))
        assertEquals("2023-11-08", Format.ago(now - 7 * day, now, TimeZone.getTimeZone("Asia/Tokyo")))
    }

    @Test
    fun `expiresIn counts down, rounding up so it never shows zero while time is left`() {
        val now = 1_700_000_000L
        assertEquals("expires in 10 min", Format.expiresIn(now + 600, now))
        assertEquals("expires in 10 min", Format.expiresIn(now + 541, now))
        assertEquals("expires in 9 min", Format.expiresIn(now + 540, now))
        assertEquals("expires in 1 min", Format.expiresIn(now + 60, now))
        assertEquals("expires in 59 s", Format.expiresIn(now + 59, now))
        assertEquals("expires in 1 s", Format.expiresIn(now + 1, now))
        assertEquals("expired", Format.expiresIn(now, now))
        assertEquals("expired", Format.expiresIn(now - 5, now))
        assertEquals("expires in 1 h", Format.expiresIn(now + 3_541, now))
        assertEquals("expires in 2 h", Format.expiresIn(now + 3_601, now))
        assertEquals("expires in 2 days", Format.expiresIn(now + 36 * 3_600, now))
    }

    @Test
    fun `shortId groups the first eight hex digits, counterparty prefers the label`() {
        val key = "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809"
        assertEquals("1a2b-3c4d", Format.shortId(key))
        assertEquals("1a2", Format.shortId("1a2"))
        assertEquals("", Format.shortId(""))

        val entry = HistoryEntry(
            position = 1uL, transferId = "ab".repeat(32), direction = Direction.SENT,
            amount = Money(500uL, "JPY", "¥500"), counterpartyKey = key, counterpartyLabel = "Ben",
            memo = "", time = 0uL, status = TransferStatus.AWAITING_RECEIPT, statusText = "sent, awaiting receipt",
        )
        assertEquals("Ben", Format.counterparty(entry))
        assertEquals("key 1a2b-3c4d", Format.counterparty(entry.copy(counterpartyLabel = " ")))
    }

    @Test
    fun `the sync summary is the wallet's own lines, one a line`() {
        val lines = listOf(
            "The ledger settled 2 transfers.",
            "Loaded an offline purse of ¥10,000: this is what you can pay offline.",
            "The ledger's signed log has 3 entries and extends the history this wallet saw before.",
        )
        val report = SyncReport(
            rounds = 1u, settled = 2u, held = 0u, returned = 0u, refused = emptyList(), newPurse = Money(10_000uL, "JPY", "¥10,000"),
            newlyRevoked = 0u, onlineBalanceMinor = 0L, notices = emptyList(), payments = emptyList(), checkpointSize = 3uL,
            lines = lines,
        )
        assertEquals(lines, Format.syncSummary(report).lines())
    }

    @Test
    fun `every wallet error has a message, and only the alarming ones are dangers`() {
        val errors = listOf(
            WalletException.PinIncorrect("PIN incorrect", 7u, 60uL, 0u, 300uL),
            WalletException.PinDelayed("too soon", 125uL, 6u),
            WalletException.LockedOut("locked out", 10u),
            WalletException.InvalidPin("the PIN must have at least 6 digits"),
            WalletException.Locked("the wallet is locked"),
            WalletException.KeyProtectorUnavailable("key invalidated"),
            WalletException.KeyProtectorCancelled("authentication cancelled by the user"),
            WalletException.KeyProtectorFailed("hardware gone"),
            WalletException.Tampered("a row failed its check"),
            WalletException.Storage("the file is missing"),
            WalletException.BadQr("not an Outpost code"),
            WalletException.BadMessage("expired"),
            WalletException.BadAmount("too many decimals"),
            WalletException.NotEnrolled("not enrolled"),
            WalletException.LedgerKeyMismatch("another ledger"),
            WalletException.NoPurse("no usable offline purse"),
            WalletException.InsufficientPurse("not enough", 100uL, 200uL),
            WalletException.AlreadyPaid("already paid", "ab".repeat(32)),
            WalletException.DoubleSpend("double spend", "cheat", "cd".repeat(32), 1u),
            WalletException.Refused("a wallet cannot pay itself"),
            WalletException.LedgerUnreachable("connection refused"),
            WalletException.LedgerRefused("down for maintenance", 503u),
            WalletException.LedgerUntrusted("bad signature"),
            WalletException.AuditFailed("the log does not verify"),
            WalletException.Internal("no randomness"),
        )
        for (error in errors) {
            val message = UserMessage.of(error)
            assertTrue(message.text.isNotBlank(), "$error")
            assertFalse(message.text.first().isLowerCase(), message.text)
            val alarming =
                error is WalletException.DoubleSpend || error is WalletException.Tampered || error is WalletException.LockedOut
            assertEquals(alarming, message.kind == UserMessage.Kind.Danger, "${error::class.simpleName}: $message")
        }

        val wrong = UserMessage.of(errors[0])
        assertEquals("Wrong PIN: 7 tries left before the wallet locks for good. Try again in 1 min.", wrong.text)
        assertEquals(60L, wrong.retryAfterSecs)
        assertEquals(125L, UserMessage.of(errors[1]).retryAfterSecs)
        assertTrue(UserMessage.of(errors[6]).text.contains("Cancelled"))
        assertEquals(UserMessage.info(UserMessage.NO_NETWORK), UserMessage.of(errors[20]))
        assertTrue(UserMessage.of(errors[21]).text.contains("503"))

        assertEquals(UserMessage.Kind.Info, UserMessage.of(KeyProtectorException.Cancelled("closed")).kind)
        val unexpected = UserMessage.of(IllegalStateException("disk full"))
        assertEquals(UserMessage.Kind.Problem, unexpected.kind)
        assertTrue(unexpected.text.contains("disk full"))
    }

    @Test
    fun `a QR picture is the library's matrix, square and sized by its version`() {
        val texts = listOf("OP1E:BB8", "OP1T:" + "BB8".repeat(150))
        val pictures = texts.map(QrPictures::of)
        for ((text, picture) in texts.zip(pictures)) {
            val matrix = qrMatrix(text)
            assertEquals(text, picture.text)
            assertEquals(matrix.version.toInt(), picture.version)
            assertEquals(matrix.width.toInt(), picture.width)
            assertEquals(17 + 4 * picture.version, picture.width, "the QR standard's size for version ${picture.version}")
            assertEquals(picture.width * picture.width, picture.dark.size)
            for (y in 0 until picture.width) {
                for (x in 0 until picture.width) {
                    assertEquals(matrix.modules[y * picture.width + x] == 1.toByte(), picture.isDark(x, y))
                }
            }
            // The finder pattern's corner is dark, the ring inside it light.
            assertTrue(picture.isDark(0, 0))
            assertFalse(picture.isDark(1, 1))
        }
        assertTrue(pictures[1].version > pictures[0].version)
        assertEquals(pictures[0], QrPictures.of(texts[0]))
        assertNotEquals(pictures[0], pictures[1])
        assertThrows<WalletException.BadQr> { QrPictures.of("A".repeat(5_000)) }
    }
}
