package org.outpost.demo.core

import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.filterIsInstance
import kotlinx.coroutines.flow.map
import kotlinx.coroutines.flow.merge
import kotlinx.coroutines.flow.onSubscription
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch

/** What every screen's state has: whether a wallet call is running, and what to tell the user. */
interface ScreenState {
    /** True while an action's wallet call runs: show progress, and taps do nothing. */
    val busy: Boolean

    /** The outcome to show, an error mapped by [UserMessage.of] or a note; null when none. */
    val message: UserMessage?
}

/**
 * The common part of the state holders: one immutable [state], and actions that return at once
 * and run their work in [scope], one at a time. An action asked for while the state is busy is
 * ignored, so a double tap pays once. Whatever the work throws becomes the state's message.
 */
abstract class ScreenModel<S : ScreenState>(protected val scope: CoroutineScope, initial: S) {
    private val mutableState = MutableStateFlow(initial)
    val state: StateFlow<S> = mutableState.asStateFlow()

    protected fun update(change: (S) -> S) = mutableState.update(change)

    protected abstract fun S.withBusy(busy: Boolean): S

    protected abstract fun S.withMessage(message: UserMessage?): S

    /** The state after work failed with [error]; models with more to show (tries left) override it. */
    protected open fun S.failedWith(error: Throwable): S = withMessage(UserMessage.of(error))

    /**
     * Starts [work] unless the state is busy. Before this returns, the state is busy and the last
     * action's message is gone; it stops being busy when [work] has ended.
     */
    protected fun act(work: suspend () -> Unit) {
        // The busy flag is the guard: claimed in the same atomic update that shows it.
        var claimed = false
        update {
            claimed = !it.busy
            if (claimed) it.withBusy(true).withMessage(null) else it
        }
        if (!claimed) return
        scope.launch {
            try {
                reportFailure(work)
            } finally {
                update { it.withBusy(false) }
            }
        }
    }

    /** Runs [work] with the state busy meanwhile, unguarded (for loads a [Refresher] serialises). */
    protected suspend fun attempt(work: suspend () -> Unit) {
        update { it.withBusy(true) }
        try {
            reportFailure(work)
        } finally {
            update { it.withBusy(false) }
        }
    }

    private suspend fun reportFailure(work: suspend () -> Unit) {
        try {
            work()
        } catch (e: CancellationException) {
            throw e
        } catch (e: Exception) {
            update { it.failedWith(e) }
        }
    }
}

/**
 * Runs [load] in [scope] when asked, never twice at once; asks made while it runs fold into one more
 * run after it, so no refresh is lost and none piles up. It asks by itself: once at the start,
 * after every change the host announces, and whenever the wallet is unlocked again.
 */
internal class Refresher(scope: CoroutineScope, host: WalletHost, load: suspend () -> Unit) {
    private val asks = Channel<Unit>(Channel.CONFLATED)

    init {
        scope.launch {
            for (ask in asks) load()
        }
        scope.launch {
            // The first ask once subscribed: a change made before then is in that load, none after is missed.
            val changes = host.changes.onSubscription { emit(Unit) }
            val unlocks = host.session.filterIsInstance<Session.Unlocked>().map { }
            merge(changes, unlocks).collect { ask() }
        }
    }

    fun ask() {
        asks.trySend(Unit)
    }
}
