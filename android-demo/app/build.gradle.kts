import org.jetbrains.kotlin.gradle.dsl.JvmTarget

plugins {
    alias(libs.plugins.android.application)
    alias(libs.plugins.kotlin.android)
    alias(libs.plugins.kotlin.compose)
}

// The ledger this build syncs with, baked into BuildConfig: the finance officer provisions the
// unit, so members never type it. Set with -Poutpost.ledgerUrl=… -Poutpost.ledgerKey=…
// -Poutpost.currency=… or in ~/.gradle/gradle.properties. The default URL is the development
// machine's loopback as the Android emulator sees it, where `outpost ledger serve` listens by
// default; the default currency is the ledger's. Without a key the app runs but cannot enrol.
val ledgerUrl = providers.gradleProperty("outpost.ledgerUrl").getOrElse("http://10.0.2.2:7300")
val ledgerKey = providers.gradleProperty("outpost.ledgerKey").getOrElse("")
val ledgerCurrency = providers.gradleProperty("outpost.currency").getOrElse("JPY")

require(Regex("https?://[^\\s\"\\\\]+").matches(ledgerUrl)) {
    "outpost.ledgerUrl must be an http:// or https:// address, not '$ledgerUrl'"
}
require(ledgerKey.isEmpty() || Regex("[0-9a-f]{64}").matches(ledgerKey)) {
    "outpost.ledgerKey must be the 64 lowercase hex digits `outpost ledger serve` prints as 'ledger key:'"
}
require(Regex("[A-Z]{3}").matches(ledgerCurrency)) {
    "outpost.currency must be the ledger's ISO 4217 code (`outpost ledger serve --currency`), not '$ledgerCurrency'"
}

android {
    namespace = "org.outpost.demo"
    compileSdk = 35

    defaultConfig {
        applicationId = "org.outpost.demo"
        // 24: the --platform the native library is built for, and the first level where a
        // Keystore key can be invalidated when biometrics are re-enrolled.
        minSdk = 24
        targetSdk = 35
        versionCode = 1
        versionName = "0.1.0"

        buildConfigField("String", "LEDGER_URL", "\"$ledgerUrl\"")
        buildConfigField("String", "LEDGER_KEY", "\"$ledgerKey\"")
        buildConfigField("String", "LEDGER_CURRENCY", "\"$ledgerCurrency\"")

        ndk {
            // The ABIs build-android.sh builds liboutpost_ffi.so for. JNA's AAR carries more
            // (x86, say); a phone of such an ABI would pick that folder and find no wallet
            // library in it, so the APK carries these three only.
            abiFilters += listOf("arm64-v8a", "armeabi-v7a", "x86_64")
        }
    }

    buildTypes {
        release {
            // The keep rules JNA and the bindings need come with :outpost-wallet
            // (its consumer-rules.pro); OkHttp, ML Kit and AndroidX bring their own.
            isMinifyEnabled = true
            isShrinkResources = true
            proguardFiles(getDefaultProguardFile("proguard-android-optimize.txt"))
        }
    }

    buildFeatures {
        compose = true
        buildConfig = true
    }

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
    implementation(project(":core"))

    implementation(platform(libs.androidx.compose.bom))
    implementation(libs.androidx.compose.ui)
    implementation(libs.androidx.compose.foundation)
    implementation(libs.androidx.compose.material3)
    implementation(libs.androidx.activity.compose)
    implementation(libs.androidx.lifecycle.runtime.compose)
    implementation(libs.androidx.lifecycle.viewmodel.compose)
    implementation(libs.androidx.navigation.compose)
    implementation(libs.androidx.core.ktx)

    // BiometricPrompt needs a FragmentActivity; below Android 9 it draws its fingerprint dialog
    // with AppCompat, which needs an AppCompat theme (res/values/themes.xml).
    implementation(libs.androidx.biometric)
    implementation(libs.androidx.fragment.ktx)
    implementation(libs.androidx.appcompat)

    implementation(libs.androidx.camera.camera2)
    implementation(libs.androidx.camera.lifecycle)
    implementation(libs.androidx.camera.view)
    implementation(libs.mlkit.barcode.scanning)

    implementation(libs.okhttp)
    implementation(libs.kotlinx.coroutines.android)
}
