package org.outpost.demo

import android.app.Application
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.launch
import okhttp3.OkHttpClient
import org.outpost.demo.core.LedgerSettings
import org.outpost.demo.core.TransportFactory
import org.outpost.demo.core.UserMessage
import org.outpost.demo.core.WalletHost
import org.outpost.demo.platform.BiometricGate
import org.outpost.demo.platform.ForegroundActivity
import org.outpost.demo.platform.KeystoreDeviceKeys
import org.outpost.demo.platform.OkHttpSyncTransport
import java.io.File

/**
 * The process-wide parts: the one wallet (through [WalletHost]), the device key behind it, the
 * HTTP client syncs share, and the ledger this build was provisioned for.
 */
class OutpostApplication : Application() {
    /** Where the app is in opening its wallet file, which happens once, off the main thread. */
    sealed interface Startup {
        data object Opening : Startup

        data class Ready(val host: WalletHost) : Startup

        /** The wallet file is there but does not open (damaged, or from a newer app). */
        data class Failed(val message: UserMessage) : Startup
    }

    /** The ledger the unit provisioned (app/build.gradle.kts, from Gradle properties). */
    val ledger = LedgerSettings(url = BuildConfig.LEDGER_URL, keyHex = BuildConfig.LEDGER_KEY)

    /** The currency of that ledger, which a new wallet must hold. */
    val currency: String = BuildConfig.LEDGER_CURRENCY

    /** The activity on screen, for the fingerprint prompt; MainActivity registers itself. */
    val foreground = ForegroundActivity()

    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Main.immediate)
    private val mutableStartup = MutableStateFlow<Startup>(Startup.Opening)
    val startup: StateFlow<Startup> = mutableStartup.asStateFlow()

    override fun onCreate() {
        super.onCreate()
        val keys = KeystoreDeviceKeys(this, BiometricGate(this, foreground))
        val http = OkHttpSyncTransport.newClient()
        scope.launch(Dispatchers.IO) {
            mutableStartup.value = try {
                Startup.Ready(
                    WalletHost(
                        walletFile = walletFile(),
                        keys = keys,
                        transports = transports(http),
                        io = Dispatchers.IO,
                    ),
                )
            } catch (e: Exception) {
                Startup.Failed(UserMessage.of(e))
            }
        }
    }

    /**
     * In noBackupFilesDir: never in a backup or a transfer to a new phone, since a wallet file
     * restored from a copy is an older state that could spend a purse slot twice
     * (AndroidManifest.xml says more).
     */
    private fun walletFile() = File(noBackupFilesDir, "wallet.outpost")

    private fun transports(http: OkHttpClient) = TransportFactory { url -> OkHttpSyncTransport(url, http) }
}
