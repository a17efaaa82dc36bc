package org.outpost.demo.core

import org.outpost.wallet.WalletException
import org.outpost.wallet.qrMatrix

/**
 * A QR code ready to draw with any canvas: [width] modules a side, row by row in [dark] (true for
 * a dark module). Leave [QUIET_ZONE] light modules around it. [text] is what it encodes.
 */
class QrPicture(val text: String, val width: Int, val version: Int, val dark: BooleanArray) {
    init {
        require(dark.size == width * width) { "a $width-module QR code has ${width * width} modules, not ${dark.size}" }
    }

    fun isDark(x: Int, y: Int): Boolean = dark[y * width + x]

    override fun equals(other: Any?): Boolean =
        other is QrPicture && text == other.text && width == other.width && version == other.version &&
            dark.contentEquals(other.dark)

    override fun hashCode(): Int = 31 * text.hashCode() + dark.contentHashCode()

    override fun toString(): String = "QrPicture(version $version, $width x $width, ${text.length} characters)"

    companion object {
        /** Light modules a scanner needs around the code. */
        const val QUIET_ZONE = 4
    }
}

/** Turns the QR text a wallet call returned into a [QrPicture]: the screens that show a code use it. */
object QrPictures {
    /** Throws [WalletException.BadQr] for text too long for any QR code. Quick, but not for the UI thread. */
    fun of(text: String): QrPicture {
        val matrix = qrMatrix(text)
        val dark = BooleanArray(matrix.modules.size) { matrix.modules[it] != 0.toByte() }
        return QrPicture(text, matrix.width.toInt(), matrix.version.toInt(), dark)
    }
}
