package org.outpost.demo.ui.screens

import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.res.stringResource
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import org.outpost.demo.R
import org.outpost.demo.core.EnrolmentModel
import org.outpost.demo.core.Format
import org.outpost.demo.core.LedgerSettings
import org.outpost.demo.core.Session
import org.outpost.demo.core.WalletHost
import org.outpost.demo.ui.components.InputField
import org.outpost.demo.ui.components.MessageText
import org.outpost.demo.ui.components.Screen
import org.outpost.demo.ui.components.ShownCode
import org.outpost.demo.ui.components.Working
import org.outpost.demo.ui.rememberModel

/**
 * The wallet's enrolment code, for the finance officer to scan with the member id they gave: it
 * binds the id to this wallet's keys at the ledger. The same code is the member's identity card
 * for others to save as a contact. Making it pins this build's ledger key in the wallet first.
 */
@Composable
fun EnrolmentScreen(host: WalletHost, ledger: LedgerSettings, onBack: () -> Unit) {
    val model = rememberModel { scope -> EnrolmentModel(host, scope, ledger) }
    val state by model.state.collectAsStateWithLifecycle()
    val session by host.session.collectAsStateWithLifecycle()
    var memberId by rememberSaveable { mutableStateOf("") }
    val provisioned = ledger.keyHex.isNotEmpty()

    Screen(title = stringResource(R.string.enrolment_title), onBack = onBack) {
        Text(stringResource(R.string.enrolment_intro), style = MaterialTheme.typography.bodyMedium)
        if (!provisioned) {
            Text(stringResource(R.string.enrolment_no_ledger_key), color = MaterialTheme.colorScheme.error)
        }
        InputField(memberId, { memberId = it }, stringResource(R.string.enrolment_member_id), enabled = !state.busy)
        Button(onClick = { model.show(memberId) }, enabled = provisioned && !state.busy && memberId.isNotBlank()) {
            Text(stringResource(R.string.enrolment_show))
        }
        if (state.busy) Working(stringResource(R.string.working))
        MessageText(state.message)
        state.qr?.let { qr ->
            ShownCode(qr, stringResource(R.string.enrolment_code_description, state.memberId.orEmpty()))
            (session as? Session.Unlocked)?.let {
                Text(stringResource(R.string.enrolment_fingerprint, Format.fingerprint(it.identity)), style = MaterialTheme.typography.titleMedium)
            }
            Text(stringResource(R.string.enrolment_compare), style = MaterialTheme.typography.bodySmall)
        }
    }
}
