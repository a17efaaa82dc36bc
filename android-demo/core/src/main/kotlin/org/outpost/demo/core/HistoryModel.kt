package org.outpost.demo.core

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import org.outpost.wallet.Direction
import org.outpost.wallet.HistoryEntry

/**
 * One transfer as the history list shows it. [amount] carries its sign ("−¥3,000" sent,
 * "+¥3,000" received); [ago] was worked out at load time from [time] (Unix seconds), which a
 * screen kept open can format again. [position] orders the wallet's history.
 */
data class HistoryRow(
    val id: String,
    val direction: Direction,
    val amount: String,
    val counterparty: String,
    val memo: String,
    val status: StatusLabel,
    val ago: String,
    val time: Long,
    val position: ULong,
)

/** The history screen's state: the rows loaded so far, newest first, and whether that is all. */
data class HistoryState(
    val rows: List<HistoryRow> = emptyList(),
    val endReached: Boolean = false,
    override val busy: Boolean = false,
    override val message: UserMessage? = null,
) : ScreenState

/**
 * History: every offline transfer, newest first, [pageSize] at a time, each with who, how much, what for,
 * when and where it stands (awaiting receipt, delivered, settled…). It reloads itself after every
 * payment, receipt, sync and unlock, keeping as many rows as were shown.
 */
class HistoryModel(
    private val host: WalletHost,
    scope: CoroutineScope,
    private val pageSize: Int = DEFAULT_PAGE_SIZE,
) : ScreenModel<HistoryState>(scope, HistoryState()) {
    /** A reload and a next page never interleave: the next page starts after the last row shown. */
    private val loading = Mutex()
    private val refresher = Refresher(scope, host) { loading.withLock { attempt { reload() } } }

    fun refresh() = refresher.ask()

    /** The next page after the last row shown, unless the list is complete. */
    fun loadMore() {
        if (state.value.endReached) return
        act { loading.withLock { loadNextPage() } }
    }

    private suspend fun reload() {
        val limit = maxOf(pageSize, state.value.rows.size)
        val rows = page(before = null, limit)
        update { it.copy(rows = rows, endReached = rows.size < limit, message = null) }
    }

    private suspend fun loadNextPage() {
        val rows = page(before = state.value.rows.lastOrNull()?.position, pageSize)
        update { it.copy(rows = it.rows + rows, endReached = rows.size < pageSize) }
    }

    private suspend fun page(before: ULong?, limit: Int): List<HistoryRow> {
        val entries = host.call { wallet -> wallet.history(before, limit.toUInt()) }
        val now = host.clock.nowSecs()
        return entries.map { row(it, now) }
    }

    private fun row(entry: HistoryEntry, nowSecs: Long) = HistoryRow(
        id = entry.transferId,
        direction = entry.direction,
        amount = signed(entry),
        counterparty = Format.counterparty(entry),
        memo = entry.memo,
        status = Format.status(entry.status, entry.direction),
        ago = Format.ago(entry.time.toLong(), nowSecs),
        time = entry.time.toLong(),
        position = entry.position,
    )

    private fun signed(entry: HistoryEntry) = when (entry.direction) {
        Direction.SENT -> "\u2212${entry.amount.text}"
        Direction.RECEIVED -> "+${entry.amount.text}"
    }

    override fun HistoryState.withBusy(busy: Boolean) = copy(busy = busy)

    override fun HistoryState.withMessage(message: UserMessage?) = copy(message = message)

    companion object {
        const val DEFAULT_PAGE_SIZE = 50
    }
}
