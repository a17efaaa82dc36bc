// Plugin versions for every module, from gradle/libs.versions.toml. The :outpost-wallet module
// (bindings/android/build) applies com.android.library and org.jetbrains.kotlin.android without
// versions and gets these.
plugins {
    alias(libs.plugins.android.application) apply false
    alias(libs.plugins.android.library) apply false
    alias(libs.plugins.kotlin.android) apply false
    alias(libs.plugins.kotlin.compose) apply false
}
