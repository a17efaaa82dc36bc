package org.outpost.demo.platform

import android.content.Context
import android.content.pm.PackageManager
import android.os.Build
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyInfo
import android.security.keystore.KeyPermanentlyInvalidatedException
import android.security.keystore.KeyProperties
import android.security.keystore.StrongBoxUnavailableException
import androidx.annotation.RequiresApi
import androidx.biometric.BiometricManager
import androidx.biometric.BiometricManager.Authenticators.BIOMETRIC_STRONG
import org.outpost.demo.core.DeviceKeys
import org.outpost.wallet.KeyProtector
import org.outpost.wallet.KeyProtectorException
import java.security.GeneralSecurityException
import java.security.KeyStore
import java.security.ProviderException
import javax.crypto.AEADBadTagException
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.SecretKeyFactory
import javax.crypto.spec.GCMParameterSpec

/**
 * The device key behind the wallet's PIN: an AES-256-GCM key in the Android Keystore, in
 * StrongBox when the phone has one, so the wallet file alone (a copy, a backup) is useless: the
 * PIN can only be tried on this phone, through this key (docs/DESIGN.md, section 5).
 *
 * With biometric unlock chosen, every use of the key needs a strong biometric (a fingerprint, or
 * a face where it counts as strong), and Android erases the key when the phone's biometrics are
 * re-enrolled: someone who learns the PIN and adds their own finger still cannot open the wallet.
 */
class KeystoreDeviceKeys(
    private val context: Context,
    private val gate: BiometricGate,
) : DeviceKeys {
    override val biometricAvailable: Boolean
        get() = BiometricManager.from(context).canAuthenticate(BIOMETRIC_STRONG) == BiometricManager.BIOMETRIC_SUCCESS

    /**
     * Replaces any device key with a new one. Throws [KeyProtectorException.Unavailable] when the
     * Keystore refuses, for instance biometric-gated without a screen lock set.
     */
    override fun newProtector(biometric: Boolean): KeyProtector {
        try {
            discard()
            generateKey(biometric)
        } catch (e: GeneralSecurityException) {
            throw KeyProtectorException.Unavailable("Android could not make the device key: ${e.message ?: e}")
        } catch (e: ProviderException) {
            throw KeyProtectorException.Unavailable("Android could not make the device key: ${e.message ?: e}")
        }
        return KeystoreProtector(gate)
    }

    /** Quick: the key is looked up only when the wallet uses the protector. */
    override fun existingProtector(): KeyProtector = KeystoreProtector(gate)

    override fun discard() {
        val keyStore = androidKeyStore()
        if (keyStore.containsAlias(KEY_ALIAS)) keyStore.deleteEntry(KEY_ALIAS)
    }

    private fun generateKey(biometric: Boolean) {
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.P && generateInStrongBox(biometric)) return
        generate(spec(biometric).build())
    }

    /** False when the phone has no StrongBox, or it cannot hold this key: the caller uses the TEE. */
    @RequiresApi(Build.VERSION_CODES.P)
    private fun generateInStrongBox(biometric: Boolean): Boolean {
        if (!context.packageManager.hasSystemFeature(PackageManager.FEATURE_STRONGBOX_KEYSTORE)) return false
        return try {
            generate(spec(biometric).setIsStrongBoxBacked(true).build())
            true
        } catch (e: StrongBoxUnavailableException) {
            false
        }
    }

    private fun spec(biometric: Boolean): KeyGenParameterSpec.Builder =
        KeyGenParameterSpec.Builder(KEY_ALIAS, KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT)
            .setKeySize(KEY_BITS)
            .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
            .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
            .apply { if (biometric) requireBiometricEachUse() }

    private fun KeyGenParameterSpec.Builder.requireBiometricEachUse() {
        setUserAuthenticationRequired(true)
        setInvalidatedByBiometricEnrollment(true)
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.R) {
            setUserAuthenticationParameters(0, KeyProperties.AUTH_BIOMETRIC_STRONG)
        }
        // Below Android 11 the default validity (-1 seconds) already means: a biometric for each
        // use, given through BiometricPrompt with this key's cipher.
    }

    private fun generate(spec: KeyGenParameterSpec) {
        KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, ANDROID_KEY_STORE).apply {
            init(spec)
            generateKey()
        }
    }

    /**
     * Wraps with the device key: `iv (12 bytes) ‖ ciphertext ‖ tag (16 bytes)`, the IV chosen by
     * the Keystore. Asks for a biometric first when the key needs one.
     */
    private class KeystoreProtector(private val gate: BiometricGate) : KeyProtector {
        override fun wrap(plaintext: ByteArray): ByteArray {
            val key = deviceKey()
            val cipher = start(key) { init(Cipher.ENCRYPT_MODE, key) }
            val ready = authorised(key, cipher, BiometricGate.Purpose.Protect)
            val iv = ready.iv
            if (iv == null || iv.size != IV_BYTES) {
                throw KeyProtectorException.Failed("the Keystore chose a ${iv?.size ?: 0}-byte IV, not $IV_BYTES")
            }
            return iv + finish { ready.updateAAD(CONTEXT); ready.doFinal(plaintext) }
        }

        override fun unwrap(wrapped: ByteArray): ByteArray {
            if (wrapped.size < IV_BYTES + TAG_BITS / 8) {
                throw KeyProtectorException.Failed("the wrapped key record is ${wrapped.size} bytes, too short to open")
            }
            val key = deviceKey()
            val cipher = start(key) { init(Cipher.DECRYPT_MODE, key, GCMParameterSpec(TAG_BITS, wrapped, 0, IV_BYTES)) }
            val ready = authorised(key, cipher, BiometricGate.Purpose.Unlock)
            return finish {
                ready.updateAAD(CONTEXT)
                ready.doFinal(wrapped, IV_BYTES, wrapped.size - IV_BYTES)
            }
        }

        private fun deviceKey(): SecretKey {
            val key = try {
                androidKeyStore().getKey(KEY_ALIAS, null)
            } catch (e: GeneralSecurityException) {
                throw KeyProtectorException.Failed("the Keystore could not be read: ${e.message ?: e}")
            }
            return key as? SecretKey ?: throw KeyProtectorException.Unavailable(KEY_MISSING)
        }

        /** Initialises the cipher; the key fails here when Android has invalidated it. */
        private fun start(key: SecretKey, setUp: Cipher.() -> Unit): Cipher {
            val cipher = Cipher.getInstance(TRANSFORMATION)
            try {
                cipher.setUp()
            } catch (e: KeyPermanentlyInvalidatedException) {
                throw KeyProtectorException.Unavailable(BIOMETRICS_CHANGED)
            } catch (e: GeneralSecurityException) {
                throw KeyProtectorException.Failed("the device key (${key.algorithm}) could not start: ${e.message ?: e}")
            }
            return cipher
        }

        private fun authorised(key: SecretKey, cipher: Cipher, purpose: BiometricGate.Purpose): Cipher =
            if (needsBiometric(key)) gate.authorise(cipher, purpose) else cipher

        private fun needsBiometric(key: SecretKey): Boolean =
            try {
                val factory = SecretKeyFactory.getInstance(key.algorithm, ANDROID_KEY_STORE)
                (factory.getKeySpec(key, KeyInfo::class.java) as KeyInfo).isUserAuthenticationRequired
            } catch (e: GeneralSecurityException) {
                throw KeyProtectorException.Failed("the device key's settings could not be read: ${e.message ?: e}")
            }

        private fun finish(operation: () -> ByteArray): ByteArray =
            try {
                operation()
            } catch (e: AEADBadTagException) {
                throw KeyProtectorException.Failed("the wrapped key record does not open under this phone's device key")
            } catch (e: GeneralSecurityException) {
                throw KeyProtectorException.Failed("the device key failed: ${e.message ?: e}")
            } catch (e: ProviderException) {
                throw KeyProtectorException.Failed("the device key failed: ${e.message ?: e}")
            }
    }

    private companion object {
        const val ANDROID_KEY_STORE = "AndroidKeyStore"
        const val KEY_ALIAS = "outpost-wallet-device-key"
        const val KEY_BITS = 256
        const val TRANSFORMATION = "AES/GCM/NoPadding"
        const val IV_BYTES = 12
        const val TAG_BITS = 128

        /** Bound into every wrap, so these bytes open only as an Outpost key record. */
        val CONTEXT = "outpost android device key v1".toByteArray()

        /** The key is gone: the app's data was cleared in part, or the Keystore was reset. */
        const val KEY_MISSING =
            "this phone no longer has the device key this wallet was made with, so the wallet cannot " +
                "be opened here. Money in your online account is safe at the ledger: ask your finance " +
                "officer to revoke this device and enrol a new wallet"

        /**
         * The key was erased because fingerprints or faces were added or removed. The PIN alone
         * cannot open the wallet: by design, the PIN is only ever tried through this key.
         */
        const val BIOMETRICS_CHANGED =
            "the fingerprints or faces on this phone changed since the wallet was set up, so Android " +
                "erased the device key that guards it, and the PIN alone cannot open it. Money in your " +
                "online account is safe at the ledger: ask your finance officer to revoke this device " +
                "and enrol a new wallet"

        fun androidKeyStore(): KeyStore = KeyStore.getInstance(ANDROID_KEY_STORE).apply { load(null) }
    }
}
