package org.outpost.demo.core

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertInstanceOf
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * Routing by the code's kind letter ("BB8" is base45 for "AB", RFC 9285): real codes from real
 * wallets are routed in JourneyTest and ErrorStatesTest.
 */
class ScanRouterTest {
    @Test
    fun `each kind of Outpost code goes to its screen, trimmed`() {
        assertEquals(ScanRoute.PayRequest("OP1R:BB8"), ScanRouter.route("OP1R:BB8"))
        assertEquals(ScanRoute.Receive("OP1T:BB8"), ScanRouter.route("  OP1T:BB8\r\n"))
        assertEquals(ScanRoute.ConfirmReceipt("OP1C:BB8"), ScanRouter.route("OP1C:BB8"))
        assertEquals(ScanRoute.AddContact("OP1E:BB8"), ScanRouter.route("OP1E:BB8"))
    }

    @Test
    fun `anything else is rejected with the reason the library gives`() {
        val unknown = assertInstanceOf(ScanRoute.Rejected::class.java, ScanRouter.route("OP1Z:BB8"))
        assertTrue(unknown.message.text.contains("'Z'"), unknown.message.text)
        val newer = assertInstanceOf(ScanRoute.Rejected::class.java, ScanRouter.route("OP2T:BB8"))
        assertTrue(newer.message.text.contains("update the app"), newer.message.text)
        val wifi = assertInstanceOf(ScanRoute.Rejected::class.java, ScanRouter.route("WIFI:S:cafe;T:WPA;P:secret;;"))
        assertTrue(wifi.message.text.contains("not an Outpost code"), wifi.message.text)
    }

    @Test
    fun `the longest text accepted is the limit, one more is refused unread`() {
        val atLimit = "X".repeat(ScanRouter.MAX_LENGTH)
        // At the limit the library reads it: not an Outpost code.
        val read = assertInstanceOf(ScanRoute.Rejected::class.java, ScanRouter.route(" $atLimit "))
        assertTrue(read.message.text.contains("not an Outpost code"), read.message.text)
        val over = assertInstanceOf(ScanRoute.Rejected::class.java, ScanRouter.route(atLimit + "X"))
        assertTrue(over.message.text.contains("too long"), over.message.text)
    }
}
