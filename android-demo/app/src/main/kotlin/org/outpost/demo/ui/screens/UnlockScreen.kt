package org.outpost.demo.ui.screens

import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableLongStateOf
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.res.stringResource
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import kotlinx.coroutines.delay
import org.outpost.demo.R
import org.outpost.demo.core.Format
import org.outpost.demo.core.UnlockModel
import org.outpost.demo.core.UnlockState
import org.outpost.demo.core.WalletHost
import org.outpost.demo.ui.components.MessageText
import org.outpost.demo.ui.components.PinField
import org.outpost.demo.ui.components.Screen
import org.outpost.demo.ui.components.Working
import org.outpost.demo.ui.rememberModel
import org.outpost.wallet.Identity

/**
 * The PIN, whenever the wallet is locked. After a wrong PIN the field stays disabled for as long
 * as the wallet asks; a lock-out disables it for good.
 */
@Composable
fun UnlockScreen(host: WalletHost, identity: Identity) {
    val model = rememberModel { scope -> UnlockModel(host, scope) }
    val state by model.state.collectAsStateWithLifecycle()
    // In memory only: a PIN never goes into saved instance state.
    var pin by remember { mutableStateOf("") }
    val waitSecs = secondsToWait(state)
    val canTry = !state.busy && !state.lockedOut && waitSecs == 0L
    val submit = {
        if (canTry && pin.isNotEmpty()) {
            model.unlock(pin)
            pin = ""
        }
    }

    Screen(title = stringResource(R.string.unlock_title)) {
        Text(stringResource(R.string.unlock_whose, Format.fingerprint(identity)), style = MaterialTheme.typography.bodyMedium)
        PinField(pin, { pin = it }, stringResource(R.string.unlock_pin), enabled = canTry, onDone = submit)
        Button(onClick = submit, enabled = canTry && pin.isNotEmpty()) { Text(stringResource(R.string.unlock_button)) }
        if (waitSecs > 0) {
            Text(stringResource(R.string.unlock_wait, Format.duration(waitSecs)), style = MaterialTheme.typography.bodyMedium)
        }
        if (state.busy) Working(stringResource(R.string.unlock_working))
        MessageText(state.message)
    }
}

/** Counts down the delay the last wrong PIN earned, from when that try came back. */
@Composable
private fun secondsToWait(state: UnlockState): Long {
    var left by remember { mutableLongStateOf(0L) }
    LaunchedEffect(state.busy, state.retryAfterSecs) {
        left = if (state.busy) 0L else state.retryAfterSecs
        while (left > 0) {
            delay(1_000)
            left--
        }
    }
    return left
}
