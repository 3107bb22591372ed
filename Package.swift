// swift-tools-version:6.0
import PackageDescription

/// agentops-run: a process supervisor that records any command as an AgentOps session.
///
/// All logic lives in `AgentOpsKit`; the two executables only parse arguments, call the
/// library and turn its result into an exit status.
let package = Package(
    name: "agentops-run",
    products: [
        .executable(name: "agentops-run", targets: ["agentops-run"]),
        .executable(name: "agentops", targets: ["agentops"]),
        .executable(name: "agentops-run-exec", targets: ["agentops-run-exec"]),
        .library(name: "AgentOpsKit", targets: ["AgentOpsKit"]),
    ],
    dependencies: [],
    targets: [
        // The exec helper, run between Foundation's spawn and the command's exec: Glibc
        // and Swift's core library only, so that exec'ing it costs little (issue 18).
        .target(name: "AgentOpsExec"),
        .executableTarget(
            name: "agentops-run-exec", dependencies: ["AgentOpsExec"],
            // Linked fully static: no dynamic loader and no libstdc++.so to relocate, so
            // its exec costs about as much as /bin/true's (scripts/bench-startup).
            linkerSettings: [.unsafeFlags(["-static-executable"], .when(platforms: [.linux]))]
        ),
        .target(name: "AgentOpsKit", dependencies: ["AgentOpsExec"]),
        // The AgentOps API client. Kept out of AgentOpsKit because linking
        // FoundationNetworking (libcurl) doubles a static binary's start-up, and
        // agentops-run must start fast; only the agentops tool links it.
        .target(name: "AgentOpsSync", dependencies: ["AgentOpsKit"]),
        .executableTarget(name: "agentops-run", dependencies: ["AgentOpsKit"]),
        .executableTarget(
            name: "agentops", dependencies: ["AgentOpsKit", "AgentOpsSync"],
            // FoundationNetworking asks for -lcurl, which only libcurl's -dev package
            // provides; Linker/libcurl.so points the linker at the runtime libcurl.so.4
            // instead, so building needs nothing but a Swift toolchain.
            linkerSettings: [.unsafeFlags(["-L", Context.packageDirectory + "/Linker"], .when(platforms: [.linux]))]
        ),
        // What both test targets share: temporary folders that go away when the test
        // process exits (Tests/TestSupport/ScratchFolder.swift).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(
            name: "AgentOpsKitTests",
            dependencies: ["AgentOpsKit", "AgentOpsSync", "TestSupport"],
            // OTLP test vectors (captured bodies, the golden export), read from the source tree.
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["AgentOpsKit", "AgentOpsExec", "TestSupport"],
            // Scripts the tests run as children, read from the source tree.
            exclude: ["Fixtures"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
