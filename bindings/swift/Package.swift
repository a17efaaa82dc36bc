// swift-tools-version:5.9
//
// The Outpost wallet for Swift: the Swift that uniffi generates from liboutpost_ffi
// (Sources/OutpostWallet, committed) over the Rust library itself, shipped as a binary target.
//
// OutpostWalletFFI.xcframework is not committed: `bash bindings/swift/build-xcframework.sh`
// builds it on a Mac (iOS devices, iOS simulators, macOS), with the C header and a
// `module.modulemap` declaring `module OutpostWalletFFI` in every slice. SwiftPM puts each
// slice's headers on the include path, so the generated Swift's
// `#if canImport(OutpostWalletFFI) import OutpostWalletFFI` finds the C declarations, and links
// the slice's static liboutpost_ffi.a into whatever imports OutpostWallet.
//
// Sources/OutpostWalletFFI/include holds the same header and uniffi's module map for reading;
// no target compiles it (the binary target is the FFI module).

import PackageDescription

let package = Package(
    name: "OutpostWallet",
    platforms: [
        // The static libraries are built for these minimums (IPHONEOS_DEPLOYMENT_TARGET and
        // MACOSX_DEPLOYMENT_TARGET in build-xcframework.sh): keep the two in step.
        .iOS(.v15),
        .macOS(.v12),
    ],
    products: [
        .library(name: "OutpostWallet", targets: ["OutpostWallet"]),
    ],
    targets: [
        .binaryTarget(
            name: "OutpostWalletFFI",
            path: "OutpostWalletFFI.xcframework"
        ),
        .target(
            name: "OutpostWallet",
            dependencies: ["OutpostWalletFFI"],
            path: "Sources/OutpostWallet"
        ),
        .testTarget(
            name: "OutpostWalletTests",
            dependencies: ["OutpostWallet"],
            path: "Tests/OutpostWalletTests"
        ),
    ]
)
