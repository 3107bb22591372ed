import Foundation
import Testing
@testable import AgentOpsKit

@Suite("Session model")
struct SessionModelTests {
    @Test("timestamps print as the SDK does and parse back")
    func timestamps() throws {
        let time = Timestamp(microseconds: 1_795_238_552_500_398)
        #expect(time.description == "2026-11-21T05:22:32.500398+00:00")
        #expect(Timestamp(iso8601: time.description) == time)
        #expect(Timestamp(iso8601: "2026-11-21T05:22:32+00:00")?.microseconds == 1_795_238_552_000_000)
        #expect(Timestamp(iso8601: "2026-11-21T06:22:32.5+01:00")?.microseconds == 1_795_238_552_500_000)
        #expect(Timestamp(iso8601: "2026-11-21T05:22:32.500398Z") == time)
        #expect(Timestamp(iso8601: "yesterday") == nil)
        #expect(Timestamp(microseconds: 5).description == "1970-01-01T00:00:00.000005+00:00")
    }

    @Test("session ids must be UUIDs and are lowercased")
    func sessionIDs() {
        #expect(SessionID("123E4567-E89B-42D3-A456-426614174000")?.value == "123e4567-e89b-42d3-a456-426614174000")
        #expect(SessionID("not-a-uuid") == nil)
        #expect(SessionID("123e4567e89b42d3a456426614174000") == nil)
        let random = SessionID.random().value
        #expect(random == random.lowercased() && Array(random)[14] == "4")
    }

    @Test("new session and event ids are random version-4 UUIDs, lowercase, as Foundation reads them")
    func randomIDs() {
        let ids = (0..<2_000).map { $0 % 2 == 0 ? SessionID.random().value : newEventID() }
        #expect(Set(ids).count == ids.count)
        for id in ids {
            let characters = Array(id)
            #expect(SessionID(id)?.value == id)
            #expect(UUID(uuidString: id)?.uuidString.lowercased() == id)
            #expect(characters[14] == "4" && "89ab".contains(characters[19]))
        }
        // Every other hex digit takes all 16 values somewhere: the bytes are not stuck.
        for position in [0, 9, 15, 20, 35] {
            #expect(Set(ids.map { Array($0)[position] }).count == 16)
        }
    }

    @Test("tags split on commas, trimmed, deduplicated in order")
    func tags() {
        #expect(Tags.normalized(["a,b", " c ", "a", "", ",,d"]) == ["a", "b", "c", "d"])
    }

    @Test("end state severity: Fail > Indeterminate > Success")
    func severity() {
        #expect(max(EndState.success, .fail) == .fail)
        #expect(max(EndState.indeterminate, .success) == .indeterminate)
    }

    @Test("end reasons name the exit code or the signal")
    func endReasons() {
        #expect(EndReason.of(exit: .exited(0), forwardedSignals: []) == (.success, "Command exited with code 0"))
        #expect(EndReason.of(exit: .exited(3), forwardedSignals: []) == (.fail, "Command exited with code 3"))
        #expect(EndReason.of(exit: .signaled(9, coreDumped: false), forwardedSignals: [])
            == (.fail, "Command was killed by signal SIGKILL"))
        #expect(EndReason.of(exit: .exited(0), forwardedSignals: [2])
            == (.fail, "Signal SIGINT detected and forwarded to the command; command exited with code 0"))
        #expect(EndReason.of(exit: .exited(0), forwardedSignals: [10]).0 == .success)
        #expect(EndReason.of(launchError: .commandNotFound(name: "x", searchPath: "/bin")).0 == .fail)
    }

    @Test("costs print as the SDK does: 0.00, else six decimals half-up")
    func costs() {
        #expect(Cost.sdkFormat(0) == "0.00")
        #expect(Cost.sdkFormat(Decimal(string: "0.0012345678")!) == "0.001235")
        #expect(Cost.sdkFormat(Decimal(string: "0.0000005")!) == "0.000001")
        #expect(Cost.sdkFormat(Decimal(string: "12")!) == "12.000000")
        #expect(Cost.parse(.string("0.25")) == Decimal(string: "0.25"))
        #expect(Cost.parse(.null) == nil)
    }

    @Test("durations print as the SDK does")
    func durations() {
        #expect(DurationFormat.sdk(1.24) == "1.2s")
        #expect(DurationFormat.sdk(0) == "0.0s")
        #expect(DurationFormat.sdk(62.5) == "1m 2.5s")
        #expect(DurationFormat.sdk(3723.4) == "1h 2m 3.4s")
        #expect(DurationFormat.sdk(3600) == "1h 0.0s")
    }

    @Test("shell quoting for display")
    func quoting() {
        #expect(ShellQuoting.join(["python3", "a b", "", "it's", "x=1"]) == "python3 'a b' '' 'it'\\''s' x=1")
    }

    @Test("host environment: SDK shape, and the opt-out keeps only what the SDK keeps")
    func hostEnvironment() {
        let full = HostEnvironment.collect(workingDirectory: "/tmp", environment: ["VIRTUAL_ENV": "/venv"])
        #expect(full["OS"]?["OS"]?.stringValue == "Linux")
        #expect(full["CPU"]?["Total cores"]?.intValue ?? 0 >= 1)
        #expect(full["RAM"]?["Total"]?.stringValue?.hasSuffix(" GB") == true)
        #expect(full["Project Working Directory"]?["Project Working Directory"]?.stringValue == "/tmp")
        #expect(full["Virtual Environment"]?["Virtual Environment"]?.stringValue == "/venv")
        let optedOut = HostEnvironment.collect(workingDirectory: "/tmp", environment: ["AGENTOPS_ENV_DATA_OPT_OUT": "true"])
        #expect(optedOut["RAM"] == nil && optedOut["Disk"] == nil && optedOut["CPU"] == nil)
        #expect(HostEnvironment.gigabytes(25_275_133_952) == "23.54 GB")
        #expect(HostEnvironment.mountPoint(of: "/work/x", mounts: "/dev/a / ext4 rw 0 0\n/dev/b /work ext4 rw 0 0\n"
            + "/dev/c /workspace ext4 rw 0 0\n") == ("/dev/b", "/work"))
        #expect(HostEnvironment.physicalCores(cpuinfo: "physical id\t: 0\ncore id\t: 0\nphysical id\t: 0\ncore id\t: 0\n") == 1)
        #expect(HostEnvironment.physicalCores(cpuinfo: "physical id\t: 0\ncore id\t: 0\n\nphysical id\t: 1\ncore id\t: 0\n"
            + "processor\t: 2\nphysical id\t: 1\ncore id\t: 1\n") == 3)
        #expect(HostEnvironment.physicalCores(cpuinfo: "processor\t: 0\n") == nil)
        #expect(HostEnvironment.mountPoint(of: "/mnt/my disk/a", mounts: "/dev/a / ext4 rw 0 0\n\n"
            + "/dev/d /mnt/my\\040disk vfat rw 0 0\nbroken\n") == ("/dev/d", "/mnt/my disk"))
        // Kilobytes and plain bytes; a value over 64 bits, a malformed one and other fields left out.
        #expect(HostEnvironment.parseMeminfo("MemTotal:       16384 kB\nMemFree: 512\nMemAvailable: 99999999999999999999 kB\n"
            + "Buffers: 1 kB\n") == .init(total: 16_777_216, available: nil, free: 512))
        #expect(HostEnvironment.parseMeminfo("MemTotal: 12x kB\nMemFree:\n") == .init())
    }
}

@Suite("Declared end states")
struct DeclaredEndTests {
    @Test("the worse state wins and both reasons are kept")
    func combine() {
        let declared = StoreRecord.DeclaredEnd(timestamp: Timestamp(microseconds: 0), state: .indeterminate,
                                               reason: "no answer")
        #expect(EndReason.combine(declared: declared, with: (.success, "Command exited with code 0"))
            == (.indeterminate, "Declared Indeterminate: no answer; Command exited with code 0"))
        #expect(EndReason.combine(declared: declared, with: (.fail, "x")).0 == .fail)
        #expect(EndReason.combine(declared: nil, with: (.success, "y")) == (.success, "y"))
    }
}

@Suite("Redactor")
struct RedactorTests {
    @Test("which variables are secrets, longest first, every occurrence")
    func secrets() throws {
        let redactor = try Redactor(environment: [
            "OPENAI_API_KEY": "abcdefgh", "DB_PASSWORD": "abcdefghij", "github_token": "tok-123456",
            "PATH": "/usr/bin:/bin", "SHORT_SECRET": "1234567", "HOME": "/root",
        ])
        #expect(redactor.redact("x abcdefghij y abcdefgh z tok-123456") == "x [REDACTED] y [REDACTED] z [REDACTED]")
        #expect(redactor.redact("/usr/bin:/bin 1234567 /root") == "/usr/bin:/bin 1234567 /root")
        #expect(redactor.redact("abcdefghabcdefgh") == "[REDACTED][REDACTED]")
        #expect(redactor.redact(JSONValue.object([("abcdefgh", .array([.string("abcdefgh"), .int(1)]))]))
            == .object([("[REDACTED]", .array([.string("[REDACTED]"), .int(1)]))]))
    }

    @Test("the AgentOps key is hidden whatever its length from 8 on; a shorter one mangles nothing")
    func apiKey() throws {
        let key = "2c8f6f4e-9a0b-4c1d-8e2f-3a4b5c6d7e8f"
        #expect(try Redactor(environment: ["AGENTOPS_API_KEY": key]).redact("k=\(key)") == "k=[REDACTED]")
        #expect(try Redactor(environment: ["AGENTOPS_API_KEY": "x"]).redact("Command exited") == "Command exited")
    }

    @Test("nothing to redact leaves text alone")
    func empty() throws {
        let redactor = try Redactor(environment: [:])
        #expect(redactor.isEmpty && redactor.redact("anything") == "anything")
    }
}
