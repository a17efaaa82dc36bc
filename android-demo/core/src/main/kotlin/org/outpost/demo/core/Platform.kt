package org.outpost.demo.core

import org.outpost.wallet.KeyProtector
import org.outpost.wallet.SyncTransport

/**
 * The device key that protects the wallet's key record, as the app provides it: Android Keystore
 * on a phone (optionally behind a fingerprint), an in-memory AES key in the JVM tests.
 */
interface DeviceKeys {
    /** True when the device can ask for a fingerprint or face before the key is used. */
    val biometricAvailable: Boolean

    /** Makes a fresh device key, replacing any earlier one, and returns a protector over it. */
    fun newProtector(biometric: Boolean): KeyProtector

    /** A protector over the key [newProtector] made at onboarding. */
    fun existingProtector(): KeyProtector

    /** Forgets the device key: whatever it protected can no longer be opened on this device. */
    fun discard()
}

/** Makes the transport a sync talks to the ledger through: OkHttp on a phone, the JDK in tests. */
fun interface TransportFactory {
    fun transport(ledgerUrl: String): SyncTransport
}

/** Device time in Unix seconds, for "5 min ago" and request expiry countdowns. */
fun interface Clock {
    fun nowSecs(): Long
}

/** The ledger this unit's wallets use, provisioned with the app: its address and public key (hex). */
data class LedgerSettings(val url: String, val keyHex: String)
