package org.outpost.demo.ui

import androidx.compose.foundation.isSystemInDarkTheme
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.darkColorScheme
import androidx.compose.material3.lightColorScheme
import androidx.compose.runtime.Composable
import androidx.compose.runtime.ReadOnlyComposable
import androidx.compose.ui.graphics.Color
import org.outpost.demo.core.StatusLabel
import org.outpost.demo.core.UserMessage

@Composable
fun OutpostTheme(content: @Composable () -> Unit) {
    MaterialTheme(
        colorScheme = if (isSystemInDarkTheme()) darkColorScheme() else lightColorScheme(),
        content = content,
    )
}

/** The colour a message is written in: danger stands out from an ordinary problem. */
@Composable
@ReadOnlyComposable
fun UserMessage.Kind.color(): Color = when (this) {
    UserMessage.Kind.Info -> MaterialTheme.colorScheme.onSurfaceVariant
    UserMessage.Kind.Problem -> MaterialTheme.colorScheme.error
    UserMessage.Kind.Danger -> MaterialTheme.colorScheme.error
}

/** The colour of a transfer's status in the history. */
@Composable
@ReadOnlyComposable
fun StatusLabel.Tone.color(): Color = when (this) {
    StatusLabel.Tone.Waiting -> MaterialTheme.colorScheme.onSurfaceVariant
    StatusLabel.Tone.Done -> MaterialTheme.colorScheme.primary
    StatusLabel.Tone.Returned -> MaterialTheme.colorScheme.tertiary
    StatusLabel.Tone.Problem -> MaterialTheme.colorScheme.error
}
