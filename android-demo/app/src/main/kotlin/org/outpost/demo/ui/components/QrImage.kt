package org.outpost.demo.ui.components

import android.app.Activity
import android.content.Context
import android.content.ContextWrapper
import android.view.Window
import android.view.WindowManager
import androidx.compose.foundation.Canvas
import androidx.compose.foundation.layout.aspectRatio
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.runtime.Composable
import androidx.compose.runtime.DisposableEffect
import androidx.compose.ui.Modifier
import androidx.compose.ui.geometry.Offset
import androidx.compose.ui.geometry.Size
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import org.outpost.demo.core.QrPicture
import kotlin.math.floor

/**
 * A QR code to be scanned by another phone: black modules on white, whatever the theme, with the
 * quiet zone scanners need around it, each module a whole number of pixels so no seams blur it.
 * While one is on screen, the screen stays on at full brightness: a dim phone held out across a
 * counter is the usual reason a scan fails.
 */
@Composable
fun QrImage(picture: QrPicture, description: String, modifier: Modifier = Modifier) {
    KeepScreenOnAndBright()
    Canvas(
        modifier
            .fillMaxWidth()
            .aspectRatio(1f)
            .semantics { contentDescription = description },
    ) {
        drawRect(Color.White)
        val modules = picture.width + 2 * QrPicture.QUIET_ZONE
        val cell = floor(size.minDimension / modules)
        if (cell < 1f) return@Canvas
        // Centred: the pixels rounding left over are shared out on both sides.
        val origin = Offset(
            (size.width - cell * picture.width) / 2f,
            (size.height - cell * picture.width) / 2f,
        )
        for (y in 0 until picture.width) {
            var x = 0
            while (x < picture.width) {
                if (!picture.isDark(x, y)) {
                    x++
                    continue
                }
                // One rectangle per run of dark modules in a row.
                val start = x
                while (x < picture.width && picture.isDark(x, y)) x++
                drawRect(
                    Color.Black,
                    topLeft = Offset(origin.x + start * cell, origin.y + y * cell),
                    size = Size((x - start) * cell, cell),
                )
            }
        }
    }
}

/** Keeps the window awake and at full brightness while in composition, then restores it. */
@Composable
private fun KeepScreenOnAndBright() {
    val context = LocalContext.current
    DisposableEffect(context) {
        val window = context.findActivity()?.window ?: return@DisposableEffect onDispose {}
        val previousBrightness = window.attributes.screenBrightness
        window.addFlags(WindowManager.LayoutParams.FLAG_KEEP_SCREEN_ON)
        window.setBrightness(WindowManager.LayoutParams.BRIGHTNESS_OVERRIDE_FULL)
        onDispose {
            window.clearFlags(WindowManager.LayoutParams.FLAG_KEEP_SCREEN_ON)
            window.setBrightness(previousBrightness)
        }
    }
}

private fun Window.setBrightness(value: Float) {
    attributes = attributes.apply { screenBrightness = value }
}

private tailrec fun Context.findActivity(): Activity? = when (this) {
    is Activity -> this
    is ContextWrapper -> baseContext.findActivity()
    else -> null
}
