// swift-tools-version:6.0
import PackageDescription

#if arch(x86_64) && os(Linux)
/// The exec helper `agentops-run-exec` is the AgentOpsExec sources again (its folder
/// links to them), built in Embedded Swift: no Swift runtime to start, so its exec costs
/// a C program's, 0.2–0.3 ms less than a static Swift binary's, on the path to every
/// command's start (issue 18; BENCHMARKS.md, round 9). Whole-module, as Embedded Swift
/// requires; no -static-stdlib (it would look for the full standard library there);
/// Entry.swift is the C entry point.
let helperSwiftSettings: [SwiftSetting] = [
    .enableExperimentalFeature("Embedded"),
    .unsafeFlags(["-wmo", "-no-static-stdlib", "-parse-as-library"]),
]
/// Linked fully static, and without glibc: `CExecRuntime` is its C library and its
/// `_start` (glibc's start-up alone cost 0.7 ms on a VM where CPUID traps; its file says
/// why). No dynamic loader and nothing to relocate: not a PIE (the driver's -pie goes
/// unused, and clang's warning about it is silenced).
let helperLinkerSettings: [LinkerSetting] = [
    .unsafeFlags(["-Xclang-linker", "-static", "-Xclang-linker", "-nostdlib",
                  "-Xclang-linker", "-Wno-unused-command-line-argument"]),
]
/// The helper's C library, on the one platform it is written for.
let helperRuntime: [Target.Dependency] = ["CExecRuntime"]
#else
/// The toolchain has an Embedded Swift standard library for x86-64 Linux only: elsewhere
/// the helper is the same sources with Swift's runtime, linked fully static.
let helperSwiftSettings: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]
let helperLinkerSettings: [LinkerSetting] = [.unsafeFlags(["-static-executable"], .when(platforms: [.linux]))]
let helperRuntime: [Target.Dependency] = []
#endif

#if os(Linux)
import Glibc

/// agentops-run is linked by lld, the toolchain's own linker, with its relative
/// relocations packed (`DT_RELR`): with gold the dynamic loader read and applied 1.8 MB of
/// them (75,000 entries) at every start, packed they are 14 KB; `agentops-run -- true`
/// 0.96× (issue 18; BENCHMARKS.md, round 10). Only where this machine's glibc loads such
/// a binary (2.36 and later; an older ld.so refuses it): the binary runs where it is built.
let startupLinkerSettings: [LinkerSetting] = {
    // "glibc 2.36" (empty with another C library).
    var text = [CChar](repeating: 0, count: 64)
    guard confstr(Int32(_CS_GNU_LIBC_VERSION), &text, text.count) > 0 else { return [] }
    let name = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    let version = name.split(separator: " ").last?.split(separator: ".").compactMap { Int($0) } ?? []
    guard version.count >= 2, (version[0], version[1]) >= (2, 36) else { return [] }
    return [.unsafeFlags(["-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs"])]
}()
#else
let startupLinkerSettings: [LinkerSetting] = []
#endif

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
        .target(name: "AgentOpsExec", dependencies: ["CSignals"]),
        // glibc's two internal signals through the kernel's own call (CSignals.h says why).
        .target(name: "CSignals"),
        // The C library's headers for the helper's Embedded Swift build, which has no
        // Glibc module (ExecSystem.h says what it wraps); the helper itself is above.
        .systemLibrary(name: "CExecSystem"),
        // The C library the helper is linked with instead of glibc (x86-64 Linux): a
        // `_start` and the few calls it makes. Never a dependency of anything else: its
        // malloc and memcpy would replace glibc's.
        .target(name: "CExecRuntime", cSettings: [.unsafeFlags(["-ffreestanding", "-fno-stack-protector", "-fno-builtin"])]),
        .executableTarget(
            name: "agentops-run-exec", dependencies: ["CExecSystem", "CSignals"] + helperRuntime,
            swiftSettings: helperSwiftSettings, linkerSettings: helperLinkerSettings
        ),
        .target(name: "AgentOpsKit", dependencies: ["AgentOpsExec", "CSignals"]),
        // The AgentOps API client. Kept out of AgentOpsKit because linking
        // FoundationNetworking (libcurl) doubles a static binary's start-up, and
        // agentops-run must start fast; only the agentops tool links it.
        .target(name: "AgentOpsSync", dependencies: ["AgentOpsKit"]),
        .executableTarget(name: "agentops-run", dependencies: ["AgentOpsKit"], linkerSettings: startupLinkerSettings),
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
