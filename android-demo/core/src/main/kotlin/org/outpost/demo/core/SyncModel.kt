package org.outpost.demo.core

import kotlinx.coroutines.CoroutineScope
import org.outpost.wallet.SyncReport
import org.outpost.wallet.Wallet

/** The sync screen's state: the last sync's report and its [summary], the wallet's lines on what it did. */
data class SyncState(
    val report: SyncReport? = null,
    val summary: String? = null,
    override val busy: Boolean = false,
    override val message: UserMessage? = null,
) : ScreenState

/**
 * Sync: when the phone is online, the wallet uploads what it paid and received offline, learns
 * what the ledger settled, and can load a fresh offline purse from the online account. No network
 * is an ordinary outcome, not an error: nothing is lost, the same sync is simply tried again later.
 */
class SyncModel(
    private val host: WalletHost,
    scope: CoroutineScope,
    private val settings: LedgerSettings,
) : ScreenModel<SyncState>(scope, SyncState()) {

    /** Syncs; [purseMinor] also asks for a purse of that much (minor units), the old one closed first. */
    fun sync(purseMinor: ULong? = null) = runSync { purseMinor }

    /** Syncs and loads a purse of [amountText] as typed ("10,000"), read in the wallet's currency. */
    fun loadPurse(amountText: String) = runSync { wallet -> wallet.parseAmount(amountText) }

    private fun runSync(purseMinor: (Wallet) -> ULong?) = act {
        val report = host.transact { wallet ->
            wallet.sync(host.transports.transport(settings.url), purseMinor(wallet))
        }
        // A checkpoint another phone showed that the ledger could not prove part of its log is
        // evidence against the ledger: the sync stands, and the member is warned in plain words.
        val warning = report.checkpointWarnings.takeIf { it.isNotEmpty() }?.joinToString("\n")?.let(UserMessage::danger)
        update { it.copy(report = report, summary = Format.syncSummary(report), message = warning) }
    }

    override fun SyncState.withBusy(busy: Boolean) = copy(busy = busy)

    override fun SyncState.withMessage(message: UserMessage?) = copy(message = message)
}
