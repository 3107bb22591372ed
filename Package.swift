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
        .library(name: "AgentOpsKit", targets: ["AgentOpsKit"]),
    ],
    dependencies: [],
    targets: [
        .target(name: "AgentOpsKit"),
        // The AgentOps API client. Kept out of AgentOpsKit because linking
        // FoundationNetworking (libcurl) doubles a static binary's start-up, and
        // agentops-run must start fast; only the agentops tool links it.
        .target(name: "AgentOpsSync", dependencies: ["AgentOpsKit"]),
        .executableTarget(name: "agentops-run", dependencies: ["AgentOpsKit"]),
        .executableTarget(name: "agentops", dependencies: ["AgentOpsKit", "AgentOpsSync"]),
        .testTarget(
            name: "AgentOpsKitTests",
            dependencies: ["AgentOpsKit", "AgentOpsSync"],
            // OTLP test vectors (captured bodies, the golden export), read from the source tree.
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["AgentOpsKit"],
            // Scripts the tests run as children, read from the source tree.
            exclude: ["Fixtures"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
