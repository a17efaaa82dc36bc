package org.outpost.demo.core

import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.channels.BufferOverflow
import kotlinx.coroutines.flow.MutableSharedFlow
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.SharedFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asSharedFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.launch
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import kotlinx.coroutines.withContext
import org.outpost.wallet.Identity
import org.outpost.wallet.Wallet
import org.outpost.wallet.WalletException
import java.io.File

/**
 * The app's one wallet and what it needs from the device: every screen's state holder reaches the
 * wallet through here. It makes the wallet at onboarding, unlocks and locks it, and runs each
 * wallet call on [io] so no caller thread ever waits on Argon2id, the key store or the network.
 *
 * An existing [walletFile] is opened when the host is made: that is a quick file read with no key
 * work (the PIN and the device key are only needed by [unlock]), and it tells the PIN screen whose
 * wallet it is. A file that cannot be opened (damaged, from a newer app) throws the
 * [WalletException] here, before any screen is shown.
 */
class WalletHost(
    val walletFile: File,
    val keys: DeviceKeys,
    val transports: TransportFactory,
    val io: CoroutineDispatcher,
    val clock: Clock = Clock { System.currentTimeMillis() / 1000 },
) : AutoCloseable {
    /** The open wallet and its public identity (readable while locked). */
    private class Opened(val wallet: Wallet, val identity: Identity)

    @Volatile
    private var opened: Opened? = openExisting()

    /** Create, unlock and lock take turns, in the order they were asked for. */
    private val lifecycle = Mutex()

    /** Where [lock] runs its wallet call, so the caller never waits for it. */
    private val background = CoroutineScope(SupervisorJob() + io)

    private val mutableSession = MutableStateFlow(opened?.let { Session.Locked(it.identity) } ?: Session.NoWallet)
    val session: StateFlow<Session> = mutableSession.asStateFlow()

    private val mutableChanges =
        MutableSharedFlow<Unit>(extraBufferCapacity = 1, onBufferOverflow = BufferOverflow.DROP_OLDEST)

    /** Emits after every call that moved money or synced ([transact]), so lists refresh themselves. */
    val changes: SharedFlow<Unit> = mutableChanges.asSharedFlow()

    private fun openExisting(): Opened? {
        if (!walletFile.exists()) return null
        val wallet = Wallet.open(walletFile.path, keys.existingProtector())
        return Opened(wallet, wallet.identity())
    }

    fun hasWallet(): Boolean = opened != null

    /**
     * Makes the wallet under a fresh device key and returns it unlocked. On failure the new device
     * key is discarded again and no file is left: onboarding can simply start over.
     *
     * Runs to the end even if the caller is cancelled: the file it writes must be known here.
     */
    suspend fun create(pin: String, currency: String, biometric: Boolean): Identity = lifecycle.withLock {
        // Checked before newProtector, which would replace the key of the wallet already here.
        check(opened == null) { "this device already has a wallet" }
        val made = withContext(io + NonCancellable) {
            val protector = keys.newProtector(biometric)
            val wallet = try {
                Wallet.create(walletFile.path, pin, currency, protector)
            } catch (e: Exception) {
                keys.discard()
                throw e
            }
            Opened(wallet, wallet.identity())
        }
        opened = made
        mutableSession.value = Session.Unlocked(made.identity)
        made.identity
    }

    /**
     * Unlocks with the PIN (Argon2id and the device key: slow, and maybe a fingerprint prompt).
     * Throws the wallet's error: a wrong PIN, a delay, a cancelled prompt.
     *
     * Runs to the end even if the caller is cancelled, so the session never says locked about an
     * unlocked wallet (whose next unlock would then accept any PIN).
     */
    suspend fun unlock(pin: String): Unit = lifecycle.withLock {
        val current = checkNotNull(opened) { "there is no wallet to unlock yet" }
        withContext(io + NonCancellable) { current.wallet.unlock(pin) }
        mutableSession.value = Session.Unlocked(current.identity)
    }

    /**
     * Locks the wallet: the session says so at once, and the wallet forgets its keys on [io] (the
     * wallet's own lock waits for a call under way, an unlock's Argon2id say, and the caller must
     * not). An unlock asked for afterwards waits for it.
     */
    fun lock() {
        val current = opened ?: return
        mutableSession.value = Session.Locked(current.identity)
        // Undispatched: it joins the lifecycle queue now, ahead of any later unlock.
        background.launch(start = CoroutineStart.UNDISPATCHED) {
            lifecycle.withLock {
                withContext(io) { current.wallet.lock() }
                mutableSession.value = Session.Locked(current.identity)
            }
        }
    }

    /** Runs [block] with the unlocked wallet on [io]. Throws [WalletException.Locked] while locked. */
    suspend fun <T> call(block: (Wallet) -> T): T {
        val wallet = unlockedWallet()
        return withContext(io) { block(wallet) }
    }

    /**
     * [call] for what moves money or syncs; [changes] emits when it ends, failed or not (a sync
     * that fails in a later round has applied the earlier ones).
     */
    suspend fun <T> transact(block: (Wallet) -> T): T =
        try {
            call(block)
        } finally {
            mutableChanges.tryEmit(Unit)
        }

    private fun unlockedWallet(): Wallet {
        val current = checkNotNull(opened) { "there is no wallet on this device yet" }
        if (session.value !is Session.Unlocked) {
            throw WalletException.Locked("the wallet is locked: unlock it with the PIN first")
        }
        return current.wallet
    }

    /** Frees the native wallet (after any call under way); the host is not used again. */
    override fun close() {
        background.cancel()
        opened?.wallet?.close()
        opened = null
    }
}
