package org.outpost.demo.ui.screens

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.Button
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import org.outpost.demo.R
import org.outpost.demo.core.Format
import org.outpost.demo.core.HomeModel
import org.outpost.demo.core.HomeState
import org.outpost.demo.core.LedgerSettings
import org.outpost.demo.core.SyncModel
import org.outpost.demo.core.WalletHost
import org.outpost.demo.ui.Routes
import org.outpost.demo.ui.components.Fact
import org.outpost.demo.ui.components.InputField
import org.outpost.demo.ui.components.MessageText
import org.outpost.demo.ui.components.Screen
import org.outpost.demo.ui.components.Working
import org.outpost.demo.ui.components.nowSecs
import org.outpost.demo.ui.rememberModel
import org.outpost.wallet.Money
import org.outpost.wallet.RiskNotice

/**
 * Home: what the wallet holds and owes, what the ledger flagged, when it last synced; the way to
 * request, pay, receive and see the history; and the sync, which also loads the offline purse.
 */
@Composable
fun HomeScreen(host: WalletHost, ledger: LedgerSettings, go: (String) -> Unit) {
    val home = rememberModel { scope -> HomeModel(host, scope) }
    val sync = rememberModel { scope -> SyncModel(host, scope, ledger) }
    val state by home.state.collectAsStateWithLifecycle()
    val syncState by sync.state.collectAsStateWithLifecycle()
    val now = nowSecs(host.clock, everyMs = 30_000)

    Screen(title = stringResource(R.string.app_name)) {
        Balances(state)
        Text(
            state.lastSync?.let { stringResource(R.string.home_last_sync, Format.ago(it, now)) }
                ?: stringResource(R.string.home_never_synced),
            style = MaterialTheme.typography.bodySmall,
        )
        Notices(state.notices)
        MessageText(state.message)

        HorizontalDivider()
        Row(Modifier.fillMaxWidth(), horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            Button(onClick = { go(Routes.REQUEST) }, modifier = Modifier.weight(1f)) { Text(stringResource(R.string.home_request)) }
            Button(onClick = { go(Routes.PAY) }, modifier = Modifier.weight(1f)) { Text(stringResource(R.string.home_pay)) }
            Button(onClick = { go(Routes.RECEIVE) }, modifier = Modifier.weight(1f)) { Text(stringResource(R.string.home_receive)) }
        }
        Row(Modifier.fillMaxWidth(), horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            OutlinedButton(onClick = { go(Routes.HISTORY) }, modifier = Modifier.weight(1f)) {
                Text(stringResource(R.string.home_history))
            }
            OutlinedButton(onClick = { go(Routes.ENROLMENT) }, modifier = Modifier.weight(1f)) {
                Text(stringResource(R.string.home_my_code))
            }
        }

        HorizontalDivider()
        SyncSection(sync, syncState.busy)
        syncState.summary?.let { Text(it, style = MaterialTheme.typography.bodyMedium) }
        MessageText(syncState.message)

        HorizontalDivider()
        OutlinedButton(onClick = host::lock) { Text(stringResource(R.string.home_lock)) }
    }
}

@Composable
private fun Balances(state: HomeState) {
    Column(verticalArrangement = Arrangement.spacedBy(4.dp)) {
        Text(stringResource(R.string.home_purse), style = MaterialTheme.typography.labelLarge)
        Text(state.purse.shown(), style = MaterialTheme.typography.displaySmall)
        Fact(stringResource(R.string.home_online), state.online.shown())
        Fact(stringResource(R.string.home_pending_in), state.pendingIn.shown())
        Fact(stringResource(R.string.home_pending_out), state.pendingOut.shown())
        // Only after a double spend: the ledger debited the member and the debt stands out.
        state.owed?.takeIf { it.minor > 0u }?.let {
            Fact(stringResource(R.string.home_owed), it.text, valueColor = MaterialTheme.colorScheme.error)
        }
        // A revoked or expired purse's remainder: not on this phone, not lost, and the wallet's
        // own sentence says why and when it comes back.
        state.held.forEach { held ->
            Fact(stringResource(R.string.home_held), held.amount.text)
            Text(held.text, style = MaterialTheme.typography.bodySmall, modifier = Modifier.padding(start = 8.dp))
        }
    }
}

/** The ledger's risk flags on this member, each with its reason. */
@Composable
private fun Notices(notices: List<RiskNotice>) {
    if (notices.isEmpty()) return
    Column(verticalArrangement = Arrangement.spacedBy(4.dp)) {
        Text(stringResource(R.string.home_notices), style = MaterialTheme.typography.titleSmall, color = MaterialTheme.colorScheme.error)
        // The wallet's own sentence: what the ledger saw and what to do, then the rule, its score
        // and when, in parentheses (docs/messages.md, "After a sync").
        notices.forEach { notice ->
            Text(notice.text, style = MaterialTheme.typography.bodySmall, modifier = Modifier.padding(start = 8.dp))
        }
    }
}

/** Sync now, or sync and load a purse of the amount typed. */
@Composable
private fun SyncSection(sync: SyncModel, busy: Boolean) {
    var purseAmount by rememberSaveable { mutableStateOf("") }
    Text(stringResource(R.string.home_sync_explained), style = MaterialTheme.typography.bodySmall)
    Button(onClick = { sync.sync() }, enabled = !busy) { Text(stringResource(R.string.home_sync)) }
    InputField(purseAmount, { purseAmount = it }, stringResource(R.string.home_purse_amount), enabled = !busy, keyboardType = KeyboardType.Decimal)
    OutlinedButton(onClick = { sync.loadPurse(purseAmount) }, enabled = !busy && purseAmount.isNotBlank()) {
        Text(stringResource(R.string.home_load_purse))
    }
    if (busy) Working(stringResource(R.string.home_syncing))
}

/** An amount as the wallet formatted it; a dash until the first load. */
@Composable
private fun Money?.shown(): String = this?.text ?: stringResource(R.string.not_loaded)
