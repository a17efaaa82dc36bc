package org.outpost.demo.ui.screens

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Row
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.key
import androidx.compose.runtime.mutableIntStateOf
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import org.outpost.demo.R
import org.outpost.demo.core.ReceiveModel
import org.outpost.demo.core.ReceiveModel.Step
import org.outpost.demo.core.ScanRoute
import org.outpost.demo.core.ScanRouter
import org.outpost.demo.core.UserMessage
import org.outpost.demo.core.WalletHost
import org.outpost.demo.ui.components.Fact
import org.outpost.demo.ui.components.MessageText
import org.outpost.demo.ui.components.ScanCode
import org.outpost.demo.ui.components.Screen
import org.outpost.demo.ui.components.ShownCode
import org.outpost.demo.ui.components.Working
import org.outpost.demo.ui.rememberModel

/**
 * Receive, offline: scan the payment the payer shows; the wallet checks and keeps it, and the
 * screen shows the receipt for the payer to scan. The money is pending until the ledger settles it
 * at the next sync of either phone.
 */
@Composable
fun ReceiveScreen(host: WalletHost, onBack: () -> Unit) {
    val model = rememberModel { scope -> ReceiveModel(host, scope) }
    val state by model.state.collectAsStateWithLifecycle()
    val context = LocalContext.current
    var wrong by remember { mutableStateOf<UserMessage?>(null) }
    var scanner by remember { mutableIntStateOf(0) }

    Screen(title = stringResource(R.string.receive_title), onBack = onBack) {
        when (val step = state.step) {
            Step.Scan -> {
                Text(stringResource(R.string.receive_scan_transfer), style = MaterialTheme.typography.bodyLarge)
                if (!state.busy) {
                    key(scanner) {
                        ScanCode { text ->
                            when (val route = ScanRouter.route(text)) {
                                is ScanRoute.Receive -> {
                                    wrong = null
                                    model.scanned(route.qr)
                                }
                                else -> {
                                    wrong = wrongCode(context, route, R.string.scan_want_transfer)
                                    scanner++
                                }
                            }
                        }
                    }
                }
            }
            is Step.ShowReceipt -> {
                val accepted = step.accepted
                Fact(stringResource(R.string.receive_amount), accepted.amount.text)
                Fact(stringResource(R.string.receive_from), accepted.senderMemberId)
                if (accepted.memo.isNotEmpty()) Fact(stringResource(R.string.memo), accepted.memo)
                ShownCode(step.qr, stringResource(R.string.receive_code_description))
                Text(stringResource(R.string.receive_show_receipt), style = MaterialTheme.typography.bodyMedium)
                Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                    Button(onClick = model::reset) { Text(stringResource(R.string.receive_next)) }
                    OutlinedButton(onClick = onBack) { Text(stringResource(R.string.done)) }
                }
            }
        }
        if (state.busy) Working(stringResource(R.string.working))
        MessageText(wrong)
        MessageText(state.message)
    }
}
