package org.outpost.demo.ui.screens

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import org.outpost.demo.R
import org.outpost.demo.core.Format
import org.outpost.demo.core.HistoryModel
import org.outpost.demo.core.HistoryRow
import org.outpost.demo.core.WalletHost
import org.outpost.demo.ui.color
import org.outpost.demo.ui.components.MessageText
import org.outpost.demo.ui.components.Screen
import org.outpost.demo.ui.components.Working
import org.outpost.demo.ui.components.nowSecs
import org.outpost.demo.ui.rememberModel
import org.outpost.wallet.Direction

/**
 * Every offline transfer, newest first, with where it stands. The next page loads when the list
 * is scrolled to its end; the list reloads itself after each payment, receipt and sync.
 */
@Composable
fun HistoryScreen(host: WalletHost, onBack: () -> Unit) {
    val model = rememberModel { scope -> HistoryModel(host, scope) }
    val state by model.state.collectAsStateWithLifecycle()
    val now = nowSecs(host.clock, everyMs = 30_000)

    Screen(title = stringResource(R.string.history_title), onBack = onBack, scrolls = false) {
        MessageText(state.message)
        if (state.rows.isEmpty()) {
            if (state.busy) Working(stringResource(R.string.history_loading))
            if (state.endReached) Text(stringResource(R.string.history_empty), style = MaterialTheme.typography.bodyMedium)
        }
        LazyColumn(Modifier.fillMaxWidth().weight(1f)) {
            items(state.rows, key = { it.position.toLong() }) { row ->
                HistoryLine(row, now)
                HorizontalDivider()
            }
            // The first page comes from the model's own load; this asks for the pages after it.
            if (state.rows.isNotEmpty() && !state.endReached) {
                item {
                    // Composed when scrolled into view: the end of what is loaded.
                    LaunchedEffect(state.rows.size) { model.loadMore() }
                    Working(stringResource(R.string.history_loading))
                }
            }
        }
    }
}

@Composable
private fun HistoryLine(row: HistoryRow, now: Long) {
    Column(Modifier.padding(vertical = 8.dp), verticalArrangement = Arrangement.spacedBy(2.dp)) {
        Row(Modifier.fillMaxWidth(), horizontalArrangement = Arrangement.SpaceBetween) {
            Text(row.counterparty, style = MaterialTheme.typography.bodyLarge)
            Text(
                row.amount,
                style = MaterialTheme.typography.bodyLarge,
                color = if (row.direction == Direction.RECEIVED) MaterialTheme.colorScheme.primary else MaterialTheme.colorScheme.onSurface,
            )
        }
        if (row.memo.isNotEmpty()) Text(row.memo, style = MaterialTheme.typography.bodyMedium)
        Row(Modifier.fillMaxWidth(), horizontalArrangement = Arrangement.SpaceBetween) {
            Text(row.status.text, style = MaterialTheme.typography.bodySmall, color = row.status.tone.color())
            Text(
                stringResource(R.string.history_when, Format.ago(row.time, now), Format.shortId(row.id)),
                style = MaterialTheme.typography.bodySmall,
            )
        }
    }
}
