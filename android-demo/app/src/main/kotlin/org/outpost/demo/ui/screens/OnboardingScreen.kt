package org.outpost.demo.ui.screens

import androidx.activity.compose.BackHandler
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Row
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.key
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import org.outpost.demo.R
import org.outpost.demo.core.OnboardingModel
import org.outpost.demo.core.OnboardingModel.Step
import org.outpost.demo.core.WalletHost
import org.outpost.demo.ui.components.MessageText
import org.outpost.demo.ui.components.PinField
import org.outpost.demo.ui.components.Screen
import org.outpost.demo.ui.components.Working
import org.outpost.demo.ui.rememberModel

/**
 * First run: choose a PIN, type it again, choose whether a fingerprint guards the device key too,
 * and the wallet is made (a few seconds of Argon2id). The session then turns to home.
 */
@Composable
fun OnboardingScreen(host: WalletHost, currency: String) {
    val model = rememberModel { scope -> OnboardingModel(host, scope, currency) }
    val state by model.state.collectAsStateWithLifecycle()
    BackHandler(enabled = state.step == Step.ConfirmPin || state.step == Step.Biometric) { model.back() }

    Screen(title = stringResource(R.string.onboarding_title)) {
        Text(stringResource(R.string.onboarding_intro), style = MaterialTheme.typography.bodyLarge)
        // One field per step, so each starts empty.
        key(state.step) {
            when (state.step) {
                Step.ChoosePin -> PinStep(stringResource(R.string.onboarding_choose_pin), state.busy, model::choosePin)
                Step.ConfirmPin -> PinStep(stringResource(R.string.onboarding_confirm_pin), state.busy, model::confirmPin)
                Step.Biometric -> BiometricStep(state.busy, model::chooseBiometric)
                Step.Creating, Step.Done -> Unit
            }
        }
        if (state.busy) Working(stringResource(R.string.onboarding_creating))
        MessageText(state.message)
    }
}

/** A PIN to type and a button to go on. The PIN lives in memory only, never in saved state. */
@Composable
private fun PinStep(label: String, busy: Boolean, onPin: (String) -> Unit) {
    var pin by remember { mutableStateOf("") }
    val submit = { if (pin.isNotEmpty()) onPin(pin) }
    PinField(pin, { pin = it }, label, enabled = !busy, onDone = submit)
    Text(stringResource(R.string.onboarding_pin_rule), style = MaterialTheme.typography.bodySmall)
    Button(onClick = submit, enabled = !busy && pin.isNotEmpty()) { Text(stringResource(R.string.next)) }
}

@Composable
private fun BiometricStep(busy: Boolean, onChoose: (Boolean) -> Unit) {
    Text(stringResource(R.string.onboarding_biometric_question), style = MaterialTheme.typography.titleMedium)
    Text(stringResource(R.string.onboarding_biometric_explained), style = MaterialTheme.typography.bodyMedium)
    Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
        Button(onClick = { onChoose(true) }, enabled = !busy) { Text(stringResource(R.string.onboarding_biometric_yes)) }
        OutlinedButton(onClick = { onChoose(false) }, enabled = !busy) { Text(stringResource(R.string.onboarding_biometric_no)) }
    }
}
