package org.outpost.demo.ui.components

import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.ColumnScope
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.foundation.text.KeyboardActions
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.input.ImeAction
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.text.input.PasswordVisualTransformation
import androidx.compose.ui.unit.dp
import org.outpost.demo.R
import org.outpost.demo.core.UserMessage
import org.outpost.demo.ui.color

/**
 * The frame of every screen: a title with an optional way back, then the content in a column,
 * which scrolls unless [scrolls] is false (for content that is a lazy list itself).
 */
@Composable
fun Screen(
    title: String,
    onBack: (() -> Unit)? = null,
    scrolls: Boolean = true,
    content: @Composable ColumnScope.() -> Unit,
) {
    Column(Modifier.fillMaxSize()) {
        Row(
            Modifier.fillMaxWidth().padding(horizontal = 8.dp, vertical = 4.dp),
            verticalAlignment = Alignment.CenterVertically,
        ) {
            if (onBack != null) {
                TextButton(onClick = onBack) { Text(stringResource(R.string.back)) }
            }
            Text(title, style = MaterialTheme.typography.titleLarge, modifier = Modifier.padding(8.dp))
        }
        val scrolling = if (scrolls) Modifier.verticalScroll(rememberScrollState()) else Modifier
        Column(
            Modifier.fillMaxSize().then(scrolling).padding(horizontal = 16.dp),
            verticalArrangement = Arrangement.spacedBy(12.dp),
            content = content,
        )
    }
}

/** What the last action came to, coloured by its kind; a danger is set on a tinted panel. */
@Composable
fun MessageText(message: UserMessage?) {
    if (message == null) return
    val panel = if (message.kind == UserMessage.Kind.Danger) {
        Modifier.background(MaterialTheme.colorScheme.errorContainer, RoundedCornerShape(8.dp)).padding(12.dp)
    } else {
        Modifier
    }
    Text(
        message.text,
        color = if (message.kind == UserMessage.Kind.Danger) MaterialTheme.colorScheme.onErrorContainer else message.kind.color(),
        style = MaterialTheme.typography.bodyMedium,
        modifier = Modifier.fillMaxWidth().then(panel),
    )
}

/** Shown while a wallet call runs, with what it is doing. */
@Composable
fun Working(text: String) {
    Column(verticalArrangement = Arrangement.spacedBy(4.dp)) {
        LinearProgressIndicator(Modifier.fillMaxWidth())
        Text(text, style = MaterialTheme.typography.bodySmall)
    }
}

/** A PIN: digits only, never shown, the keypad's Done key submits. */
@Composable
fun PinField(
    pin: String,
    onPinChange: (String) -> Unit,
    label: String,
    enabled: Boolean,
    onDone: () -> Unit,
) {
    OutlinedTextField(
        value = pin,
        onValueChange = { typed -> onPinChange(typed.filter(Char::isDigit).take(MAX_PIN_DIGITS)) },
        label = { Text(label) },
        enabled = enabled,
        singleLine = true,
        visualTransformation = PasswordVisualTransformation(),
        keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.NumberPassword, imeAction = ImeAction.Done),
        keyboardActions = KeyboardActions(onDone = { onDone() }),
        modifier = Modifier.fillMaxWidth(),
    )
}

/** A line of text to type: an amount, a memo, a member id. */
@Composable
fun InputField(
    value: String,
    onValueChange: (String) -> Unit,
    label: String,
    enabled: Boolean = true,
    keyboardType: KeyboardType = KeyboardType.Text,
) {
    OutlinedTextField(
        value = value,
        onValueChange = onValueChange,
        label = { Text(label) },
        enabled = enabled,
        singleLine = true,
        keyboardOptions = KeyboardOptions(keyboardType = keyboardType),
        modifier = Modifier.fillMaxWidth(),
    )
}

/** A label and its value on one line: a balance, who asks, what for. */
@Composable
fun Fact(label: String, value: String, valueColor: Color = MaterialTheme.colorScheme.onSurface) {
    Row(Modifier.fillMaxWidth(), horizontalArrangement = Arrangement.SpaceBetween) {
        Text(label, style = MaterialTheme.typography.bodyLarge, color = MaterialTheme.colorScheme.onSurfaceVariant)
        Text(value, style = MaterialTheme.typography.bodyLarge, color = valueColor)
    }
}

/** Long enough for any PIN the wallet accepts; the wallet itself says what is too short. */
private const val MAX_PIN_DIGITS = 12
