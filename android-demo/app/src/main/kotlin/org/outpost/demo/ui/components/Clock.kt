package org.outpost.demo.ui.components

import androidx.compose.runtime.Composable
import androidx.compose.runtime.produceState
import kotlinx.coroutines.delay
import org.outpost.demo.core.Clock

/** [clock]'s time in Unix seconds, read again every [everyMs]: for countdowns and "5 min ago". */
@Composable
fun nowSecs(clock: Clock, everyMs: Long = 1_000): Long =
    produceState(clock.nowSecs(), clock, everyMs) {
        while (true) {
            delay(everyMs)
            value = clock.nowSecs()
        }
    }.value
