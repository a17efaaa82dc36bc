package org.outpost.wallet

import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.assertThrows

/** QR routing and rendering, with codes a real wallet made (the handshake kinds are in FullFlowTest). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QrTest {
    private val wallets = WalletDir()
    private lateinit var wallet: Wallet

    @BeforeAll
    fun setUp() {
        wallet = wallets.create("qr")
    }

    @AfterAll
    fun tearDown() = wallets.close()

    @Test
    fun `the module matrix is square and sized by its version`() {
        for (text in listOf(wallet.enrolmentQr("member-7"), wallet.createRequest(1_500uL, "lunch", 600uL).qrText)) {
            val matrix = qrMatrix(text)
            assertTrue(matrix.version.toInt() in 1..40, "version ${matrix.version}")
            assertEquals(17u + 4u * matrix.version.toUInt(), matrix.width)
            assertEquals((matrix.width * matrix.width).toInt(), matrix.modules.size)
            assertTrue(matrix.modules.all { it == 0.toByte() || it == 1.toByte() })
            // Every QR code has its three finder patterns: dark 7x7 corners.
            val w = matrix.width.toInt()
            for ((x, y) in listOf(0 to 0, w - 7 to 0, 0 to w - 7)) {
                assertEquals(1.toByte(), matrix.modules[y * w + x])
                assertEquals(1.toByte(), matrix.modules[(y + 6) * w + x + 6])
                assertEquals(1.toByte(), matrix.modules[(y + 3) * w + x + 3])
                assertEquals(0.toByte(), matrix.modules[(y + 1) * w + x + 1])
            }
        }
        // A longer text needs a bigger symbol.
        val small = qrMatrix("OP1E:BB8")
        val big = qrMatrix(wallet.enrolmentQr("member-7"))
        assertTrue(big.version > small.version)
    }

    @Test
    fun `the SVG is an SVG picture of the code`() {
        val svg = qrSvg(wallet.enrolmentQr("member-7"), 4u)
        assertTrue(svg.startsWith("<svg") || svg.startsWith("<?xml"), svg.take(80))
        assertTrue(svg.trimEnd().endsWith("</svg>"))
        val larger = qrSvg(wallet.enrolmentQr("member-7"), 8u)
        assertTrue(larger.length >= svg.length)
        val tooBig = assertThrows<WalletException.BadQr> { qrSvg("A".repeat(5_000), 4u) }
        assertTrue(tooBig.reason.isNotBlank())
    }

    @Test
    fun `qrKind routes each kind of Outpost code`() {
        assertEquals(QrKind.ENROLMENT, qrKind(wallet.enrolmentQr("member-7")))
        assertEquals(QrKind.PAYMENT_REQUEST, qrKind(wallet.createRequest(null, "open amount", 600uL).qrText))
        // The kind letter decides; "BB8" is base45 for "AB" (RFC 9285).
        assertEquals(QrKind.ENROLMENT, qrKind("OP1E:BB8"))
        assertEquals(QrKind.PAYMENT_REQUEST, qrKind("OP1R:BB8"))
        assertEquals(QrKind.TRANSFER, qrKind("OP1T:BB8"))
        assertEquals(QrKind.RECEIPT, qrKind("OP1C:BB8"))
        assertEquals(QrKind.PURSE_CERTIFICATE, qrKind("OP1P:BB8"))
        assertEquals(QrKind.TRANSFER, qrKind("OP1T:BB8\n"), "one trailing line ending is tolerated")

        val unknown = assertThrows<WalletException.BadQr> { qrKind("OP1Z:BB8") }
        assertTrue(unknown.reason.contains("'Z'"), unknown.reason)
        val foreign = assertThrows<WalletException.BadQr> { qrKind("WIFI:S:cafe;T:WPA;P:secret;;") }
        assertTrue(foreign.reason.contains("not an Outpost code"), foreign.reason)
        val cut = assertThrows<WalletException.BadQr> { qrKind("OP1T:B") }
        assertTrue(cut.reason.contains("damaged"), cut.reason)
    }
}
