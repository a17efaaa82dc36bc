package org.outpost.wallet

import java.nio.file.Files
import java.nio.file.Path

/** The PIN every test wallet is made with. */
const val PIN = "482916"

/**
 * Wallet files in one temporary directory, each made with its own [AesGcmKeyProtector]; closes
 * the wallets (freeing their native handles) and deletes the directory on `close()`.
 */
class WalletDir : AutoCloseable {
    val dir: Path = Files.createTempDirectory("outpost-wallets-")
    private val opened = mutableListOf<Wallet>()

    fun path(name: String): String = dir.resolve("$name.wallet").toString()

    /** A new JPY wallet, unlocked. **Blocking** (Argon2id). */
    fun create(name: String, protector: KeyProtector = AesGcmKeyProtector()): Wallet =
        Wallet.create(path(name), PIN, "JPY", protector).also(::keep)

    fun keep(wallet: Wallet): Wallet = wallet.also { synchronized(opened) { opened += it } }

    override fun close() {
        synchronized(opened) { opened.forEach(Wallet::close); opened.clear() }
        dir.toFile().deleteRecursively()
    }
}

/**
 * Enrols [wallet] as [memberId] (the officer scans its enrolment QR) and pins the ledger key, as
 * the enrolment screen does. Returns the member JSON the ledger answered.
 */
fun LedgerProcess.enrolWallet(wallet: Wallet, memberId: String): String {
    val member = enrol(wallet.enrolmentQr(memberId))
    check(MiniJson.requireString(member, "member_id") == memberId) { "enrolled as someone else: $member" }
    wallet.pinLedgerKey(publicKeyHex)
    return member
}

/** Enrols, credits [creditMinor] and syncs to load an offline purse of [purseMinor]. */
fun LedgerProcess.fundWallet(wallet: Wallet, memberId: String, creditMinor: Long, purseMinor: ULong): SyncReport {
    enrolWallet(wallet, memberId)
    credit(memberId, creditMinor, "pay")
    return wallet.sync(JdkSyncTransport(baseUrl), purseMinor)
}
