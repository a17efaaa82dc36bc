package org.outpost.demo.ui.screens

import android.content.Context
import androidx.annotation.StringRes
import org.outpost.demo.R
import org.outpost.demo.core.ScanRoute
import org.outpost.demo.core.UserMessage

/**
 * What to tell a user whose scan found [route] where a screen waits for another kind of code
 * ([wanted] names it): what the code was, and what to scan here instead.
 */
internal fun wrongCode(context: Context, route: ScanRoute, @StringRes wanted: Int): UserMessage {
    val was = when (route) {
        is ScanRoute.Rejected -> return route.message
        is ScanRoute.PayRequest -> R.string.scan_was_request
        is ScanRoute.Receive -> R.string.scan_was_transfer
        is ScanRoute.ConfirmReceipt -> R.string.scan_was_receipt
        is ScanRoute.AddContact -> R.string.scan_was_enrolment
    }
    return UserMessage.problem(context.getString(R.string.scan_wrong_code, context.getString(was), context.getString(wanted)))
}
