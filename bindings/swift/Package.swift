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
// On Linux (where scripts/test-swift.sh builds and tests this package) there is no XCFramework:
// Sources/OutpostWalletFFI/include, the same header with uniffi's module map, is the FFI module
// as a system library target, and OutpostWallet links the shared liboutpost_ffi.so found through
// LIBRARY_PATH at link time and LD_LIBRARY_PATH at run time. No unsafeFlags (SwiftPM refuses
// them in a package another one depends on by version). On Apple platforms that folder is only
// for reading; the binary target is the FFI module.

import PackageDescription

#if os(Linux)
let ffiModule: Target = .systemLibrary(
    name: "OutpostWalletFFI",
    path: "Sources/OutpostWalletFFI/include"
)
#else
let ffiModule: Target = .binaryTarget(
    name: "OutpostWalletFFI",
    path: "OutpostWalletFFI.xcframework"
)
#endif

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
        ffiModule,
        .target(
            name: "OutpostWallet",
            dependencies: ["OutpostWalletFFI"],
            path: "Sources/OutpostWallet",
            linkerSettings: [.linkedLibrary("outpost_ffi", .when(platforms: [.linux]))]
        ),
        .testTarget(
            name: "OutpostWalletTests",
            dependencies: ["OutpostWallet"],
            path: "Tests/OutpostWalletTests"
        ),
    ]
)
