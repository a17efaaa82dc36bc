// The Android library module that bindings/android/build-android.sh packs into
// bindings/android/build/: the generated Kotlin bindings (src/main/kotlin) and liboutpost_ffi.so
// for arm64-v8a, armeabi-v7a and x86_64 (src/main/jniLibs). The app's settings.gradle.kts
// includes it; the Android Gradle and Kotlin plugin versions come from the app's build.
//
// Written without an Android SDK at hand: it has not been through Gradle. See
// bindings/android/README.md.
import org.jetbrains.kotlin.gradle.dsl.JvmTarget

plugins {
    id("com.android.library")
    id("org.jetbrains.kotlin.android")
}

android {
    namespace = "org.outpost.wallet"
    compileSdk = 35

    defaultConfig {
        // The API level the .so files were built against (build-android.sh --platform).
        minSdk = 24
        consumerProguardFiles("consumer-rules.pro")
    }

    // Java and Kotlin must target the same JVM, or the Kotlin Gradle plugin stops the build;
    // 17 matches the reference app (android-demo).
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
}

kotlin {
    compilerOptions {
        jvmTarget.set(JvmTarget.JVM_17)
    }
}

dependencies {
    // uniffi's Kotlin calls liboutpost_ffi through JNA, and its public converters expose JNA
    // types, hence `api`. The @aar carries JNA's own native libjnidispatch.so for Android.
    api("net.java.dev.jna:jna:5.17.0@aar")
    // `android = true` bindings annotate the Android cleaner with @RequiresApi.
    implementation("androidx.annotation:annotation:1.9.1")
}
