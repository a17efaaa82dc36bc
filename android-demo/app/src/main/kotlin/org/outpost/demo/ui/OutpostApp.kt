package org.outpost.demo.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.safeDrawingPadding
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.navigation.NavHostController
import androidx.navigation.compose.NavHost
import androidx.navigation.compose.composable
import androidx.navigation.compose.rememberNavController
import org.outpost.demo.OutpostApplication
import org.outpost.demo.OutpostApplication.Startup
import org.outpost.demo.R
import org.outpost.demo.core.Session
import org.outpost.demo.core.UserMessage
import org.outpost.demo.core.WalletHost
import org.outpost.demo.ui.components.MessageText
import org.outpost.demo.ui.screens.EnrolmentScreen
import org.outpost.demo.ui.screens.HistoryScreen
import org.outpost.demo.ui.screens.HomeScreen
import org.outpost.demo.ui.screens.OnboardingScreen
import org.outpost.demo.ui.screens.PayScreen
import org.outpost.demo.ui.screens.ReceiveScreen
import org.outpost.demo.ui.screens.RequestScreen
import org.outpost.demo.ui.screens.UnlockScreen

/** The screens of an unlocked wallet, by route. */
object Routes {
    const val HOME = "home"
    const val ENROLMENT = "enrolment"
    const val REQUEST = "request"
    const val PAY = "pay"
    const val RECEIVE = "receive"
    const val HISTORY = "history"
}

/**
 * The whole app: a wallet being opened, then the screen its session calls for. No wallet:
 * onboarding. Locked: the PIN. Unlocked: home and the screens it leads to.
 */
@Composable
fun OutpostApp(app: OutpostApplication) {
    Surface(Modifier.fillMaxSize()) {
        Box(Modifier.safeDrawingPadding()) {
            val startup by app.startup.collectAsStateWithLifecycle()
            when (val current = startup) {
                Startup.Opening -> Opening()
                is Startup.Failed -> CannotOpen(current.message)
                is Startup.Ready -> SessionScreens(app, current.host)
            }
        }
    }
}

@Composable
private fun SessionScreens(app: OutpostApplication, host: WalletHost) {
    val session by host.session.collectAsStateWithLifecycle()
    // Made here, outside the unlocked branch, so a lock and an unlock come back to the same screen
    // (a transfer still waiting for its receipt, say) rather than to a fresh home.
    val navController = rememberNavController()
    when (val current = session) {
        Session.NoWallet -> OnboardingScreen(host, app.currency)
        is Session.Locked -> UnlockScreen(host, current.identity)
        is Session.Unlocked -> UnlockedScreens(app, host, navController)
    }
}

@Composable
private fun UnlockedScreens(app: OutpostApplication, host: WalletHost, navController: NavHostController) {
    val back: () -> Unit = { navController.popBackStack() }
    val go: (String) -> Unit = { route -> navController.navigate(route) { launchSingleTop = true } }
    NavHost(navController, startDestination = Routes.HOME) {
        composable(Routes.HOME) { HomeScreen(host, app.ledger, go) }
        composable(Routes.ENROLMENT) { EnrolmentScreen(host, app.ledger, back) }
        // Back from the payment's scan returns to the request, in case the payer needs it again.
        composable(Routes.REQUEST) { RequestScreen(host, back, onScanPayment = { go(Routes.RECEIVE) }) }
        composable(Routes.PAY) { PayScreen(host, back) }
        composable(Routes.RECEIVE) { ReceiveScreen(host, back) }
        composable(Routes.HISTORY) { HistoryScreen(host, back) }
    }
}

@Composable
private fun Opening() {
    Box(Modifier.fillMaxSize(), contentAlignment = Alignment.Center) {
        CircularProgressIndicator()
    }
}

/** The wallet file is there and does not open: nothing else can be done on this device. */
@Composable
private fun CannotOpen(message: UserMessage) {
    Column(Modifier.padding(24.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
        Text(stringResource(R.string.cannot_open_title), style = MaterialTheme.typography.titleLarge)
        MessageText(message)
        Text(stringResource(R.string.cannot_open_advice), style = MaterialTheme.typography.bodyMedium)
    }
}
