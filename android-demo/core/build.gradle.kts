import org.jetbrains.kotlin.gradle.dsl.JvmTarget

// The SDK-free half of the app: state holders, formatting, scan routing and the WalletHost that
// runs wallet calls off the main thread. Its sources use no android.* or androidx.* API; it is an
// Android library only so that Gradle can hand the app the bindings module (liboutpost_ffi.so
// for each ABI) through `api`.
//
// Its unit tests do not run here. They run on the JVM through Maven (core/pom.xml, part of the
// repository's test command, scripts/test-all.sh) against the host build of liboutpost_ffi and
// the JVM bindings in bindings/kotlin, where the native library can load. Gradle would run them
// against the Android .so files, which a desktop JVM cannot load, so no unit-test variant is
// built for this module.
plugins {
    alias(libs.plugins.android.library)
    alias(libs.plugins.kotlin.android)
}

android {
    namespace = "org.outpost.demo.core"
    compileSdk = 35

    defaultConfig {
        minSdk = 24
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
}

androidComponents {
    beforeVariants { variant -> variant.enableUnitTest = false }
}

kotlin {
    compilerOptions {
        jvmTarget.set(JvmTarget.JVM_17)
    }
}

dependencies {
    api(project(":outpost-wallet"))
    api(libs.kotlinx.coroutines.core)
}
