package org.outpost.demo

import android.os.Bundle
import android.os.SystemClock
import androidx.activity.compose.setContent
import androidx.activity.enableEdgeToEdge
import androidx.fragment.app.FragmentActivity
import org.outpost.demo.ui.OutpostApp
import org.outpost.demo.ui.OutpostTheme

/**
 * The one activity. A FragmentActivity because BiometricPrompt, which the device key may need at
 * unlock, is shown by one. Which screen it shows follows the wallet's session (OutpostApp).
 */
class MainActivity : FragmentActivity() {
    private val app get() = application as OutpostApplication

    /** When the app left the screen (elapsed realtime, ms); null while it is on screen. */
    private var stoppedAt: Long? = null

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        app.foreground.register(this)
        enableEdgeToEdge()
        setContent {
            OutpostTheme {
                OutpostApp(app)
            }
        }
    }

    override fun onStart() {
        super.onStart()
        lockIfAwayTooLong()
        stoppedAt = null
    }

    override fun onStop() {
        super.onStop()
        stoppedAt = SystemClock.elapsedRealtime()
    }

    /** A phone left unattended with the app in the background asks for the PIN again. */
    private fun lockIfAwayTooLong() {
        val since = stoppedAt ?: return
        if (SystemClock.elapsedRealtime() - since < LOCK_AFTER_MS) return
        (app.startup.value as? OutpostApplication.Startup.Ready)?.host?.lock()
    }

    private companion object {
        const val LOCK_AFTER_MS = 60_000L
    }
}
