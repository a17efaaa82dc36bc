package org.outpost.demo.platform

import androidx.annotation.MainThread
import androidx.fragment.app.FragmentActivity
import androidx.lifecycle.DefaultLifecycleObserver
import androidx.lifecycle.LifecycleOwner
import java.lang.ref.WeakReference

/**
 * The activity on screen, for the key protector's fingerprint prompt, which must be shown by a
 * visible FragmentActivity. Activities register in onCreate; each is the current one from its
 * onStart to its onStop, so a prompt is never started on an activity in the background (whose
 * saved state would make BiometricPrompt drop it without calling back). Held weakly: the
 * Application outlives every activity.
 *
 * Main thread only, like the lifecycle callbacks that feed it.
 */
class ForegroundActivity {
    private var current: WeakReference<FragmentActivity>? = null

    @MainThread
    fun register(activity: FragmentActivity) {
        activity.lifecycle.addObserver(
            object : DefaultLifecycleObserver {
                override fun onStart(owner: LifecycleOwner) {
                    current = WeakReference(activity)
                }

                override fun onStop(owner: LifecycleOwner) {
                    if (current?.get() === activity) current = null
                }
            },
        )
    }

    /** The visible activity that can still show a prompt, or null when the app is in the background. */
    @MainThread
    fun get(): FragmentActivity? =
        current?.get()?.takeUnless { it.isFinishing || it.supportFragmentManager.isStateSaved }
}
