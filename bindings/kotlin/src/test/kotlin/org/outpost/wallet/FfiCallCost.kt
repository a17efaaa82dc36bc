package org.outpost.wallet

import java.nio.file.Files

/**
 * What one trivial call into the native library costs from Kotlin, next to a trivial Kotlin call.
 * A measurement to read, not a test: `bash bindings/kotlin/measure-ffi-call.sh [seconds]`.
 *
 * Two figures per call, in nanoseconds, after a warm-up:
 * - "loop": calls back to back for `seconds` (default 2), three times; the median of the three.
 *   This is throughput under a flood of calls, where JNA's bookkeeping of the native structures
 *   each uniffi call allocates (freed later by JNA's cleaner thread) weighs most.
 * - "one call": the median of 2 000 single calls timed one by one, 1 ms apart, as an app makes
 *   them (a tap, a screen refresh).
 * A full GC runs between lines so garbage from one line does not slow the next.
 */
fun main(args: Array<String>) {
    val seconds = args.firstOrNull()?.toDoubleOrNull() ?: 2.0
    val runtime = Runtime.getRuntime()
    println(
        "liboutpost_ffi ${libraryVersion()} | ${System.getProperty("java.vm.name")} ${System.getProperty("java.version")} | " +
            "JNA ${com.sun.jna.Native.VERSION} | ${runtime.availableProcessors()} CPUs, load average %.1f".format(
                java.lang.management.ManagementFactory.getOperatingSystemMXBean().systemLoadAverage,
            ),
    )
    println("%-58s %12s %12s".format("call", "loop ns", "one call ns"))

    val dir = Files.createTempDirectory("outpost-ffi-cost-")
    val wallet = Wallet.create(dir.resolve("cost.wallet").toString(), PIN, "JPY", AesGcmKeyProtector())
    try {
        measure("Kotlin function returning a String's length", seconds) { kotlinVersion(it) }
        // The floor: a JNA direct-mapped call with no uniffi call status or buffer.
        measure("raw JNA call, no arguments, returns an Int", seconds) {
            RawLibrary.ffi_outpost_ffi_uniffi_contract_version()
        }
        measure("libraryVersion()  (uniffi function, returns a String)", seconds) { libraryVersion().length }
        measure("wallet.isUnlocked()  (uniffi method, returns a Boolean)", seconds) {
            if (wallet.isUnlocked()) 1 else 0
        }
    } finally {
        wallet.close()
        dir.toFile().deleteRecursively()
    }
}

/**
 * The same library bound directly with JNA, for the one export that takes and returns only an
 * integer (uniffi's contract version): the cost of crossing into Rust with no uniffi call
 * status and no buffer, i.e. without the JNA structures a uniffi call allocates.
 */
private object RawLibrary {
    init {
        com.sun.jna.Native.register(RawLibrary::class.java, "outpost_ffi")
    }

    @Suppress("FunctionName")
    external fun ffi_outpost_ffi_uniffi_contract_version(): Int
}

private const val KOTLIN_VERSION = "0.1.0"

/** The pure-Kotlin counterpart of `libraryVersion()`. */
private fun kotlinVersion(i: Long): Int = (if (i < 0) "negative" else KOTLIN_VERSION).length

private var checksum = 0L

private inline fun measure(label: String, seconds: Double, call: (Long) -> Int) {
    System.gc()
    Thread.sleep(500)
    timed(seconds / 2, call) // warm-up
    val loop = DoubleArray(3) { timed(seconds, call) }.sorted()[1]
    System.gc()
    Thread.sleep(500)
    val single = LongArray(2_000) { i ->
        Thread.sleep(1)
        val t0 = System.nanoTime()
        checksum += call(i.toLong())
        System.nanoTime() - t0
    }.sorted()[1_000]
    println("%-58s %12.1f %12d".format(label, loop, single))
}

/** Calls [call] in blocks of 1 000 until [seconds] have passed; returns ns per call. */
private inline fun timed(seconds: Double, call: (Long) -> Int): Double {
    val budget = (seconds * 1e9).toLong()
    var calls = 0L
    var sink = 0L
    val start = System.nanoTime()
    var elapsed: Long
    do {
        for (i in 0 until 1_000) sink += call(calls + i)
        calls += 1_000
        elapsed = System.nanoTime() - start
    } while (elapsed < budget)
    checksum += sink // kept so the JIT cannot drop the calls
    return elapsed.toDouble() / calls
}
