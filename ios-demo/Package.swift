// swift-tools-version:5.9
//
// The iOS app's platform-free core as a Swift package, for its tests off Xcode: what
// scripts/test-swift.sh builds and tests on Linux. The app itself is built from project.yml
// (XcodeGen), which compiles these same files with the SwiftUI, AVFoundation and Secure Enclave
// parts; this manifest takes only OutpostDemo/Core and OutpostDemoTests.
//
// The module is named OutpostDemo, as the app's, so the tests' `@testable import OutpostDemo`
// reads the same under both. Linux has no Combine: there the core gets LinuxTestSupport/Combine,
// a small stand-in that says what it keeps and what it leaves out.

import PackageDescription

#if os(Linux)
let combine: [Target] = [.target(name: "Combine", path: "LinuxTestSupport/Combine")]
let coreNeeds: [Target.Dependency] = ["Combine"]
#else
let combine: [Target] = []
let coreNeeds: [Target.Dependency] = []
#endif

let package = Package(
    name: "OutpostDemo",
    platforms: [
        .iOS(.v16),
        .macOS(.v13),
    ],
    dependencies: [
        .package(path: "../bindings/swift"),
    ],
    targets: combine + [
        .target(
            name: "OutpostDemo",
            dependencies: coreNeeds + [.product(name: "OutpostWallet", package: "swift")],
            path: "OutpostDemo/Core"
        ),
        .testTarget(
            name: "OutpostDemoTests",
            dependencies: ["OutpostDemo"],
            path: "OutpostDemoTests"
        ),
    ]
)
