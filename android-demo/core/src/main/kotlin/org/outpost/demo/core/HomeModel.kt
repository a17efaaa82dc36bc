package org.outpost.demo.core

import kotlinx.coroutines.CoroutineScope
import org.outpost.wallet.HeldMoney
import org.outpost.wallet.Money
import org.outpost.wallet.RiskNotice

/**
 * The home screen's numbers, null until the first load: what the offline [purse] can still pay,
 * received and sent transfers the ledger has not settled yet, the [online] account as the ledger
 * last said, what the member [owed] after a double-spend debit, money the ledger still [held] for
 * the member (a revoked or expired purse's remainder, each with why and when it comes back), the
 * ledger's risk [notices], and [lastSync], the ledger time (Unix seconds) of the newest
 * checkpoint, null before any sync.
 */
data class HomeState(
    val purse: Money? = null,
    val pendingIn: Money? = null,
    val pendingOut: Money? = null,
    val online: Money? = null,
    val owed: Money? = null,
    val held: List<HeldMoney> = emptyList(),
    val notices: List<RiskNotice> = emptyList(),
    val lastSync: Long? = null,
    override val busy: Boolean = false,
    override val message: UserMessage? = null,
) : ScreenState

/**
 * Home: the balances at a glance. It loads when made, again after every payment, receipt and sync
 * anywhere in the app (the host's `changes`) and after every unlock, so it never shows a stale purse.
 */
class HomeModel(private val host: WalletHost, scope: CoroutineScope) :
    ScreenModel<HomeState>(scope, HomeState()) {
    private val refresher = Refresher(scope, host) { attempt { load() } }

    fun refresh() = refresher.ask()

    private suspend fun load() {
        val loaded = host.call { wallet ->
            val balances = wallet.balances()
            HomeState(
                purse = balances.offlinePurse,
                pendingIn = balances.pendingIncoming,
                pendingOut = balances.pendingOutgoing,
                online = balances.online,
                owed = balances.owed,
                held = wallet.heldAtLedger(),
                notices = wallet.riskNotices(),
                lastSync = wallet.ledgerCheckpoint()?.time?.toLong(),
            )
        }
        update { loaded.copy(busy = it.busy) }
    }

    override fun HomeState.withBusy(busy: Boolean) = copy(busy = busy)

    override fun HomeState.withMessage(message: UserMessage?) = copy(message = message)
}
