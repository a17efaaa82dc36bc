package org.outpost.demo.ui.screens

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Row
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import org.outpost.demo.R
import org.outpost.demo.core.Format
import org.outpost.demo.core.RequestModel
import org.outpost.demo.core.WalletHost
import org.outpost.demo.ui.components.Fact
import org.outpost.demo.ui.components.InputField
import org.outpost.demo.ui.components.MessageText
import org.outpost.demo.ui.components.Screen
import org.outpost.demo.ui.components.ShownCode
import org.outpost.demo.ui.components.Working
import org.outpost.demo.ui.components.nowSecs
import org.outpost.demo.ui.rememberModel

/**
 * Ask to be paid: an amount (or none, for the payer to choose) and what for become a signed
 * request code with a countdown to its expiry. The payer scans it and shows their payment, which
 * [onScanPayment] opens the camera for.
 */
@Composable
fun RequestScreen(host: WalletHost, onBack: () -> Unit, onScanPayment: () -> Unit) {
    val model = rememberModel { scope -> RequestModel(host, scope) }
    val state by model.state.collectAsStateWithLifecycle()
    var amount by rememberSaveable { mutableStateOf("") }
    var memo by rememberSaveable { mutableStateOf("") }
    var editing by rememberSaveable { mutableStateOf(true) }
    val request = state.request
    val qr = state.qr

    Screen(title = stringResource(R.string.request_title), onBack = onBack) {
        if (editing || qr == null || request == null) {
            if (!state.busy) {
                InputField(amount, { amount = it }, stringResource(R.string.request_amount), keyboardType = KeyboardType.Decimal)
                InputField(memo, { memo = it }, stringResource(R.string.request_memo))
                Button(onClick = {
                    editing = false
                    model.create(amount, memo)
                }) { Text(stringResource(R.string.request_show)) }
            }
        } else {
            Fact(stringResource(R.string.request_amount_shown), request.amount?.text ?: stringResource(R.string.request_payer_chooses))
            if (request.memo.isNotEmpty()) Fact(stringResource(R.string.memo), request.memo)
            ShownCode(qr, stringResource(R.string.request_code_description))
            val now = nowSecs(host.clock)
            Text(Format.expiresIn(request.expiresAt.toLong(), now), style = MaterialTheme.typography.bodyMedium)
            Text(stringResource(R.string.request_next), style = MaterialTheme.typography.bodySmall)
            Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                Button(onClick = onScanPayment) { Text(stringResource(R.string.request_scan_payment)) }
                OutlinedButton(onClick = { editing = true }) { Text(stringResource(R.string.request_new)) }
            }
        }
        if (state.busy) Working(stringResource(R.string.working))
        MessageText(state.message)
    }
}
