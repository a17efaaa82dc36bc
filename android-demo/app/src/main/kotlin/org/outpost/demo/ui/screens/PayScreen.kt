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
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import org.outpost.demo.R
import org.outpost.demo.core.Format
import org.outpost.demo.core.PayModel
import org.outpost.demo.core.PayModel.Step
import org.outpost.demo.core.ScanRoute
import org.outpost.demo.core.ScanRouter
import org.outpost.demo.core.UserMessage
import org.outpost.demo.core.WalletHost
import org.outpost.demo.ui.components.Fact
import org.outpost.demo.ui.components.InputField
import org.outpost.demo.ui.components.MessageText
import org.outpost.demo.ui.components.ScanCode
import org.outpost.demo.ui.components.Screen
import org.outpost.demo.ui.components.ShownCode
import org.outpost.demo.ui.components.Working
import org.outpost.demo.ui.components.nowSecs
import org.outpost.demo.ui.rememberModel

/**
 * Pay, offline, in four steps: scan the payee's request; check who asks (their fingerprint, read
 * aloud), how much and what for, and confirm; show the payment's code to the payee; scan the
 * receipt their phone then shows.
 */
@Composable
fun PayScreen(host: WalletHost, onBack: () -> Unit) {
    val model = rememberModel { scope -> PayModel(host, scope) }
    val state by model.state.collectAsStateWithLifecycle()
    val context = LocalContext.current
    // A wrong code seen by the camera; cleared by the next scan.
    var wrong by remember { mutableStateOf<UserMessage?>(null) }
    // Bumped to start a fresh scanner, which reads one code only.
    var scanner by remember { mutableIntStateOf(0) }

    fun scanAgain(message: UserMessage) {
        wrong = message
        scanner++
    }

    Screen(title = stringResource(R.string.pay_title), onBack = onBack) {
        when (val step = state.step) {
            Step.Scan -> {
                Text(stringResource(R.string.pay_scan_request), style = MaterialTheme.typography.bodyLarge)
                if (!state.busy) {
                    key(scanner) {
                        ScanCode { text ->
                            when (val route = ScanRouter.route(text)) {
                                is ScanRoute.PayRequest -> {
                                    wrong = null
                                    model.scanned(route.qr)
                                }
                                else -> scanAgain(wrongCode(context, route, R.string.scan_want_request))
                            }
                        }
                    }
                }
            }
            is Step.Confirm -> Confirm(step, host, state.busy, onPay = model::confirm, onCancel = model::cancel)
            is Step.ShowTransfer -> {
                if (step.shownAgain) {
                    Text(stringResource(R.string.pay_shown_again), style = MaterialTheme.typography.bodyMedium)
                }
                Fact(stringResource(R.string.pay_amount), step.payment.amount.text)
                ShownCode(step.qr, stringResource(R.string.pay_code_description))
                Text(stringResource(R.string.pay_show_transfer), style = MaterialTheme.typography.bodyMedium)
                Button(onClick = model::awaitReceipt, enabled = !state.busy) { Text(stringResource(R.string.pay_scan_receipt)) }
            }
            is Step.WaitReceipt -> key(scanner) {
                WaitReceipt(step, state.busy) { text ->
                    when (val route = ScanRouter.route(text)) {
                        is ScanRoute.ConfirmReceipt -> {
                            wrong = null
                            model.receiptScanned(route.qr)
                        }
                        else -> scanAgain(wrongCode(context, route, R.string.scan_want_receipt))
                    }
                }
            }
            is Step.Done -> {
                Text(stringResource(R.string.pay_delivered, step.confirmed.amount.text), style = MaterialTheme.typography.titleMedium)
                if (step.confirmed.alreadyConfirmed) {
                    Text(stringResource(R.string.pay_already_confirmed), style = MaterialTheme.typography.bodySmall)
                }
                Text(stringResource(R.string.pay_settles_later), style = MaterialTheme.typography.bodySmall)
                Button(onClick = onBack) { Text(stringResource(R.string.done)) }
            }
        }
        if (state.busy) Working(stringResource(R.string.working))
        MessageText(wrong)
        MessageText(state.message)
    }
}

/** Who asks, how much and what for; nothing is paid until the button. */
@Composable
private fun Confirm(
    step: Step.Confirm,
    host: WalletHost,
    busy: Boolean,
    onPay: (amountText: String?, memo: String) -> Unit,
    onCancel: () -> Unit,
) {
    val preview = step.preview
    var amount by rememberSaveable { mutableStateOf("") }
    var memo by rememberSaveable { mutableStateOf("") }
    val now = nowSecs(host.clock)

    Text(stringResource(R.string.pay_check), style = MaterialTheme.typography.bodyLarge)
    Fact(stringResource(R.string.pay_payee), Format.fingerprint(preview.payee))
    Text(stringResource(R.string.pay_compare_fingerprint), style = MaterialTheme.typography.bodySmall)
    if (step.amountNeeded) {
        InputField(amount, { amount = it }, stringResource(R.string.pay_amount_to_pay), enabled = !busy, keyboardType = KeyboardType.Decimal)
    } else {
        Fact(stringResource(R.string.pay_amount), preview.amount?.text.orEmpty())
    }
    if (preview.memo.isNotEmpty()) Fact(stringResource(R.string.memo), preview.memo)
    InputField(memo, { memo = it }, stringResource(R.string.pay_memo), enabled = !busy)
    Text(Format.expiresIn(preview.expiresAt.toLong(), now), style = MaterialTheme.typography.bodySmall)
    Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
        Button(
            onClick = { onPay(amount.takeIf { step.amountNeeded }, memo) },
            enabled = !busy && (!step.amountNeeded || amount.isNotBlank()),
        ) { Text(stringResource(R.string.pay_confirm)) }
        OutlinedButton(onClick = onCancel, enabled = !busy) { Text(stringResource(R.string.cancel)) }
    }
}

/**
 * The camera, for the payee's receipt. If their phone did not take the payment, the payer can
 * bring its code back on screen from here.
 */
@Composable
private fun WaitReceipt(step: Step.WaitReceipt, busy: Boolean, onScanned: (String) -> Unit) {
    var showingPayment by rememberSaveable { mutableStateOf(false) }
    if (showingPayment) {
        ShownCode(step.qr, stringResource(R.string.pay_code_description))
        Button(onClick = { showingPayment = false }) { Text(stringResource(R.string.pay_scan_receipt)) }
        return
    }
    Text(stringResource(R.string.pay_scan_receipt_explained), style = MaterialTheme.typography.bodyLarge)
    if (!busy) ScanCode(onScanned)
    OutlinedButton(onClick = { showingPayment = true }) { Text(stringResource(R.string.pay_show_again)) }
}
