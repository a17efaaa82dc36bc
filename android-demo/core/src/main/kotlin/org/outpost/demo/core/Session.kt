package org.outpost.demo.core

import org.outpost.wallet.Identity

/**
 * Where the app stands with its one wallet, which decides the first screen: onboarding when there
 * is no wallet, the PIN screen while it is locked, home once it is unlocked.
 */
sealed interface Session {
    /** No wallet file on this device yet: onboarding makes one. */
    data object NoWallet : Session

    /** The wallet file is open but its keys are not: only its public [identity] is known. */
    data class Locked(val identity: Identity) : Session

    /** Unlocked with the PIN: the wallet can pay, receive and sync. */
    data class Unlocked(val identity: Identity) : Session
}
