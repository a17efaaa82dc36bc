package org.outpost.demo.core

import org.outpost.wallet.Direction
import org.outpost.wallet.HistoryEntry
import org.outpost.wallet.Identity
import org.outpost.wallet.SyncReport
import org.outpost.wallet.TransferStatus
import java.text.SimpleDateFormat
import java.util.Date
import java.util.Locale
import java.util.TimeZone

/** A transfer's status as a list row shows it: a few words and the tone to colour them in. */
data class StatusLabel(val text: String, val tone: Tone) {
    enum class Tone { Waiting, Done, Returned, Problem }
}

/**
 * The words every screen uses for times, statuses, ids and sync results: pure functions, the same
 * on every screen. Amounts are not here: the wallet formats them in its currency (`Money.text`).
 */
object Format {
    private const val MINUTE = 60L
    private const val HOUR = 60 * MINUTE
    private const val DAY = 24 * HOUR
    private const val WEEK = 7 * DAY

    /** What a history row says about where a transfer stands. */
    fun status(status: TransferStatus, direction: Direction): StatusLabel = when (status) {
        TransferStatus.AWAITING_RECEIPT -> StatusLabel("awaiting receipt", StatusLabel.Tone.Waiting)
        TransferStatus.DELIVERED -> StatusLabel("delivered", StatusLabel.Tone.Waiting)
        TransferStatus.PENDING_SETTLEMENT -> StatusLabel("pending settlement", StatusLabel.Tone.Waiting)
        TransferStatus.DOUBLE_SPEND_EVIDENCE -> StatusLabel("double spend: not credited", StatusLabel.Tone.Problem)
        TransferStatus.SENT_SETTLED, TransferStatus.RECEIVED_SETTLED ->
            StatusLabel(settled(direction), StatusLabel.Tone.Done)
        TransferStatus.RETURNED -> StatusLabel("unclaimed: returned to your account", StatusLabel.Tone.Returned)
        TransferStatus.SENT_REFUSED, TransferStatus.RECEIVED_REFUSED ->
            StatusLabel(refused(direction), StatusLabel.Tone.Problem)
    }

    private fun settled(direction: Direction) = when (direction) {
        Direction.SENT -> "settled"
        Direction.RECEIVED -> "settled into your account"
    }

    private fun refused(direction: Direction) = when (direction) {
        Direction.SENT -> "refused by the ledger: not paid"
        Direction.RECEIVED -> "refused by the ledger: not credited"
    }

    /**
     * How long ago [thenSecs] was: "just now" under a minute (and for a time ahead of the device
     * clock), "5 min ago", "3 h ago", "2 days ago", then the date (yyyy-MM-dd in [zone]) from a
     * week on.
     */
    fun ago(thenSecs: Long, nowSecs: Long, zone: TimeZone = TimeZone.getDefault()): String {
        val elapsed = nowSecs - thenSecs
        return when {
            elapsed < MINUTE -> "just now"
            elapsed < HOUR -> "${elapsed / MINUTE} min ago"
            elapsed < DAY -> "${elapsed / HOUR} h ago"
            elapsed < WEEK -> (elapsed / DAY).let { if (it == 1L) "1 day ago" else "$it days ago" }
            else -> date(thenSecs, zone)
        }
    }

    private fun date(secs: Long, zone: TimeZone): String =
        SimpleDateFormat("yyyy-MM-dd", Locale.ROOT).apply { timeZone = zone }.format(Date(secs * 1000))

    /** A request's countdown: "expires in 40 s", "expires in 9 min", "expires in 2 h", or "expired". */
    fun expiresIn(expiresAt: Long, nowSecs: Long): String {
        val left = expiresAt - nowSecs
        return if (left <= 0) "expired" else "expires in ${duration(left)}"
    }

    /**
     * A positive number of seconds, rounded up to the unit shown, so a countdown never reads zero
     * while time is left: "40 s", "9 min", "2 h", "3 days".
     */
    fun duration(secs: Long): String = when {
        secs < MINUTE -> "$secs s"
        secs <= HOUR - MINUTE -> "${ceilDiv(secs, MINUTE)} min"
        secs <= DAY - HOUR -> "${ceilDiv(secs, HOUR)} h"
        else -> ceilDiv(secs, DAY).let { if (it == 1L) "1 day" else "$it days" }
    }

    private fun ceilDiv(a: Long, b: Long) = (a + b - 1) / b

    /** A transfer id or key to read at a glance: its first 8 hex digits, "1a2b-3c4d". */
    fun shortId(hex: String): String = hex.take(8).chunked(4).joinToString("-")

    /** The fingerprint both people read aloud to check they face the wallet they think. */
    fun fingerprint(identity: Identity): String = identity.fingerprint

    /** Who the other side of a transfer is: their name as the wallet knows it, else their short key. */
    fun counterparty(entry: HistoryEntry): String =
        entry.counterpartyLabel.ifBlank { "key ${shortId(entry.counterpartyKey)}" }

    /**
     * What a sync did, one sentence a line: the wallet's own `SyncReport.lines`, the same words
     * `outpost wallet sync` prints ("Loaded an offline purse of ¥10,000: this is what you can pay
     * offline."). The app composes none of its own, so the phone and the CLI cannot drift.
     */
    fun syncSummary(report: SyncReport): String = report.lines.joinToString("\n")
}
