// swift-tools-version:6.0
import PackageDescription

// Dependencies flow one way: sandbox (CLI) -> SandboxRuntime (side effects) -> SandboxCore (pure).
// The C targets hold only what Swift cannot do safely: the code between clone3 and execve
// (CSandbox) and the system libraries libseccomp and libcap (found with pkg-config).
let package = Package(
    name: "sandbox",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "sandbox", targets: ["sandbox"]),
        .executable(name: "sandbox-probe", targets: ["sandbox-probe"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CSeccomp", pkgConfig: "libseccomp",
                       providers: [.apt(["libseccomp-dev"])]),
        .systemLibrary(name: "CCap", pkgConfig: "libcap",
                       providers: [.apt(["libcap-dev"])]),
        .target(name: "CSandbox"),
        .target(name: "SandboxCore"),
        .target(
            name: "SandboxRuntime",
            dependencies: ["SandboxCore", "CSandbox", "CSeccomp", "CCap"]),
        .executableTarget(
            name: "sandbox",
            dependencies: [
                "SandboxCore", "SandboxRuntime",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // Runs inside the sandbox in tests and prints what it sees as JSON. Plain C, linked
        // statically: swiftc's link step would otherwise add libswiftCore from /opt, which the
        // sandbox need not show, and the probe must not depend on what it is probing.
        .executableTarget(
            name: "sandbox-probe",
            linkerSettings: [.unsafeFlags(["-static-executable"])]),
        // Fixtures are read from the source tree by path, not bundled.
        .testTarget(name: "SandboxCoreTests", dependencies: ["SandboxCore"], exclude: ["Fixtures"]),
        .testTarget(name: "SandboxRuntimeTests", dependencies: ["SandboxRuntime", "SandboxCore"]),
        .testTarget(
            name: "SandboxIntegrationTests",
            dependencies: ["SandboxRuntime", "SandboxCore"]),
        // Runs the built `sandbox` binary without privileges: plan goldens, worker names,
        // exit codes of command-line errors, report encoding.
        .testTarget(name: "SandboxCLITests", dependencies: ["SandboxRuntime", "SandboxCore"]),
    ]
)
