package org.outpost.demo.ui.components

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.ui.platform.LocalClipboardManager
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.AnnotatedString
import androidx.compose.ui.unit.dp
import org.outpost.demo.BuildConfig
import org.outpost.demo.R
import org.outpost.demo.core.QrPicture

/**
 * A code for the other phone to scan. Development builds add a button that copies its text: two
 * emulators cannot point cameras at each other, but they share the computer's clipboard.
 */
@Composable
fun ShownCode(picture: QrPicture, description: String) {
    Column(verticalArrangement = Arrangement.spacedBy(4.dp)) {
        QrImage(picture, description)
        if (BuildConfig.DEBUG) {
            val clipboard = LocalClipboardManager.current
            TextButton(onClick = { clipboard.setText(AnnotatedString(picture.text)) }) {
                Text(stringResource(R.string.debug_copy_code))
            }
        }
    }
}

/**
 * The camera, waiting for the other phone's code. Development builds add a button that takes the
 * code's text from the clipboard instead (see [ShownCode]).
 */
@Composable
fun ScanCode(onScanned: (String) -> Unit) {
    Column(verticalArrangement = Arrangement.spacedBy(4.dp)) {
        QrScanner(onScanned)
        if (BuildConfig.DEBUG) {
            val clipboard = LocalClipboardManager.current
            TextButton(onClick = { clipboard.getText()?.text?.let(onScanned) }) {
                Text(stringResource(R.string.debug_paste_code))
            }
        }
    }
}
