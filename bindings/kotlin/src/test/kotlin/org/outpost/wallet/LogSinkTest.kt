package org.outpost.wallet

import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.assertThrows
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.atomic.AtomicInteger

/** The app's log sink sees what the wallet did; a sink that throws never breaks a wallet call. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LogSinkTest {
    private val wallets = WalletDir()

    private class Collecting : LogSink {
        val records = CopyOnWriteArrayList<LogRecord>()
        override fun log(record: LogRecord) {
            records += record
        }
    }

    @AfterAll
    fun tearDown() {
        clearLogSink()
        wallets.close()
    }

    @Test
    fun `a Kotlin sink sees unlocks and failures, never the PIN, and nothing after clearLogSink`() {
        val sink = Collecting()
        setLogSink(sink, LogLevel.DEBUG)
        try {
            val wallet = wallets.create("logged")
            wallet.lock()
            wallet.unlock(PIN)
            assertThrows<WalletException.PinIncorrect> { wallet.lock(); wallet.unlock("135790") }
            wallet.unlock(PIN)

            val records = sink.records.toList()
            assertTrue(records.any { it.target == "wallet.create" && it.level == LogLevel.INFO }, "$records")
            val unlocks = records.filter { it.target == "wallet.unlock" && it.level == LogLevel.INFO }
            assertEquals(2, unlocks.size, "$records")
            assertTrue(records.any { it.target == "wallet.lock" }, "$records")
            val failure = records.single { it.target == "wallet.unlock" && it.level == LogLevel.WARN }
            assertTrue(failure.message.startsWith("PIN incorrect"), failure.message)
            assertTrue(records.none { it.message.contains(PIN) || it.message.contains("135790") }, "$records")
        } finally {
            clearLogSink()
        }
        val count = sink.records.size
        wallets.create("unlogged").lock()
        assertEquals(count, sink.records.size, "no records after clearLogSink")
    }

    @Test
    fun `the minimum level filters records`() {
        val sink = Collecting()
        setLogSink(sink, LogLevel.WARN)
        try {
            val wallet = wallets.create("quiet")
            wallet.lock()
            wallet.unlock(PIN)
            assertThrows<WalletException.BadQr> { wallet.accept("not a code") }
        } finally {
            clearLogSink()
        }
        val records = sink.records.toList()
        assertTrue(records.isNotEmpty())
        assertTrue(records.all { it.level >= LogLevel.WARN }, "$records")
        assertTrue(records.any { it.target == "wallet.accept" && it.message.contains("not an Outpost code") }, "$records")
    }

    @Test
    fun `a sink that throws does not break wallet calls`() {
        val calls = AtomicInteger()
        setLogSink(object : LogSink {
            override fun log(record: LogRecord) {
                calls.incrementAndGet()
                throw IllegalStateException("the log file is full")
            }
        }, LogLevel.DEBUG)
        try {
            val wallet = wallets.create("throwing-sink")
            wallet.lock()
            wallet.unlock(PIN)
            assertTrue(wallet.isUnlocked())
            assertEquals(0uL, wallet.balances().online.minor)
            val error = assertThrows<WalletException.BadQr> { wallet.accept("garbage") }
            assertTrue(error.reason.contains("not an Outpost code"), error.reason)
            assertTrue(calls.get() >= 3, "the sink was called (${calls.get()} times)")
        } finally {
            clearLogSink()
        }
        assertFalse(calls.get() == 0)
    }
}
