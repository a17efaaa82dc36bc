package org.outpost.demo.ui

import androidx.compose.runtime.Composable
import androidx.lifecycle.ViewModel
import androidx.lifecycle.viewModelScope
import androidx.lifecycle.viewmodel.compose.viewModel
import kotlinx.coroutines.CoroutineScope

/**
 * Keeps one of core's state holders across configuration changes: the holder runs its work in
 * [viewModelScope], which is cancelled when the screen is gone for good.
 */
class ModelHolder<M : Any>(make: (CoroutineScope) -> M) : ViewModel() {
    val model: M = make(viewModelScope)
}

/**
 * The state holder of type [M] for the current screen (navigation destination, or the activity
 * outside navigation), made by [make] the first time. One per type per screen.
 */
@Composable
inline fun <reified M : Any> rememberModel(noinline make: (CoroutineScope) -> M): M =
    viewModel(key = M::class.java.name) { ModelHolder(make) }.model
