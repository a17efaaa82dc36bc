// The Outpost reference Android app. Three modules:
//   :app             the Compose UI and the platform seams (Keystore, OkHttp, CameraX, ML Kit)
//   :core            the SDK-free state holders the screens show (also built and tested by Maven)
//   :outpost-wallet  the generated Kotlin bindings and liboutpost_ffi.so for each ABI, which
//                    `bash bindings/android/build-android.sh` packs into bindings/android/build/
pluginManagement {
    repositories {
        google {
            content {
                includeGroupByRegex("com\\.android.*")
                includeGroupByRegex("com\\.google.*")
                includeGroupByRegex("androidx.*")
            }
        }
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}

rootProject.name = "outpost-android-demo"

val outpostWallet = file("../bindings/android/build")
check(outpostWallet.resolve("build.gradle.kts").isFile) {
    "The Outpost bindings module is missing at $outpostWallet. Build it first, from the " +
        "repository root: ANDROID_NDK_HOME=<your NDK> bash bindings/android/build-android.sh"
}

include(":app", ":core", ":outpost-wallet")
project(":outpost-wallet").projectDir = outpostWallet
