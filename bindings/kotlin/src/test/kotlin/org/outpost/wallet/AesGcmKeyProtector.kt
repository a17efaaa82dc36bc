package org.outpost.wallet

import java.security.GeneralSecurityException
import java.security.SecureRandom
import java.util.concurrent.atomic.AtomicInteger
import javax.crypto.AEADBadTagException
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec

/**
 * A key protector written in Kotlin, as an app would write one over Android Keystore: AES-256-GCM
 * under a key that never leaves this object (here it lives in memory for the test run).
 *
 * `wrap` returns `nonce (12 bytes) || ciphertext || tag (16 bytes)`; `unwrap` refuses anything
 * `wrap` did not produce with `KeyProtectorException.Failed`, as the wallet requires.
 */
class AesGcmKeyProtector : KeyProtector {
    private val key: SecretKey = KeyGenerator.getInstance("AES").apply { init(256) }.generateKey()
    private val random = SecureRandom()

    /** How often the wallet called each side (it calls on create, unlock and PIN change only). */
    val wraps = AtomicInteger()
    val unwraps = AtomicInteger()

    override fun wrap(plaintext: ByteArray): ByteArray {
        wraps.incrementAndGet()
        val nonce = ByteArray(NONCE_BYTES).also(random::nextBytes)
        val cipher = Cipher.getInstance(TRANSFORMATION)
        cipher.init(Cipher.ENCRYPT_MODE, key, GCMParameterSpec(TAG_BITS, nonce))
        cipher.updateAAD(CONTEXT)
        return nonce + cipher.doFinal(plaintext)
    }

    override fun unwrap(wrapped: ByteArray): ByteArray {
        unwraps.incrementAndGet()
        if (wrapped.size < NONCE_BYTES + TAG_BITS / 8) {
            throw KeyProtectorException.Failed("the wrapped key record is ${wrapped.size} bytes, too short to open")
        }
        val cipher = Cipher.getInstance(TRANSFORMATION)
        cipher.init(Cipher.DECRYPT_MODE, key, GCMParameterSpec(TAG_BITS, wrapped, 0, NONCE_BYTES))
        cipher.updateAAD(CONTEXT)
        return try {
            cipher.doFinal(wrapped, NONCE_BYTES, wrapped.size - NONCE_BYTES)
        } catch (e: AEADBadTagException) {
            throw KeyProtectorException.Failed("the wrapped key record does not open under this device's key")
        } catch (e: GeneralSecurityException) {
            throw KeyProtectorException.Failed("AES-GCM failed: $e")
        }
    }

    private companion object {
        const val TRANSFORMATION = "AES/GCM/NoPadding"
        const val NONCE_BYTES = 12
        const val TAG_BITS = 128
        val CONTEXT = "outpost test key protector v1".toByteArray()
    }
}
