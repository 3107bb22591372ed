import Foundation
import Glibc
import Testing
@testable import AgentOpsKit

/// A store that is hostile or broken underneath the tools (issue 12): a symlink or a
/// FIFO planted where a session file should be, a write cut short by a file-size limit
/// or a full disk, a session file deleted mid-run, a store folder that is a file, is
/// writable by others or is read-only, and an SDK retrying a batch. The command always
/// runs and keeps its exit; nothing is written through a link; nothing waits on a FIFO;
/// no half line is left behind; nothing is lost without a word.
@Suite("Store faults")
struct StoreFaultTests {
    /// `agentops ARGS` in a store at `home`, killed (and the test failed) after `timeout` s.
    static func tool(_ arguments: [String], home: String, timeout: Double = 10) -> Harness.Result {
        Harness.run(Harness.agentops, arguments, environment: Harness.environment(home: home), timeout: timeout)
    }

    /// Runs each reader (`sessions`, `show`, `export`, `prune`) on the store at `home` and
    /// expects it to fail with exit 1 and one line saying `text`.
    ///
    /// - Returns: each reader's arguments and stderr, for what a test checks besides.
    @discardableResult
    static func expectReadersRefuse(home: String, saying text: String,
                                    sourceLocation: SourceLocation = #_sourceLocation) -> [([String], String)] {
        [["sessions"], ["show", "last", "--no-pager"], ["export", "last"], ["prune", "--keep", "0", "--yes"]]
            .map { arguments in
                let result = tool(arguments, home: home)
                #expect(result.code == 1, "\(arguments): \(result.err)", sourceLocation: sourceLocation)
                #expect(result.err.filter { $0 == "\n" }.count == 1 && result.err.contains(text),
                        "\(arguments): \(result.err)", sourceLocation: sourceLocation)
                return (arguments, result.err)
            }
    }

    /// The lines of `text` that are warnings.
    static func warnings(_ text: String) -> [Substring] {
        text.split(separator: "\n").filter { $0.contains("warning:") }
    }

    /// A store at `home` with its sessions folder made, owner-only, and nothing in it.
    static func emptyStore() -> String {
        let home = Harness.temporaryFolder()
        mkdir(home + "/sessions", 0o700)
        return home
    }

    /// A real session file, as agentops-run writes it, and its id (from a store of its own).
    static func recordedSession() throws -> (id: String, bytes: [UInt8]) {
        let other = Harness.temporaryFolder()
        let result = Harness.wrap(["-q", "--", "sh", "-c", "echo recorded"], home: other)
        try #require(result.code == 0, "\(result.err)")
        let id = try #require(try LocalStore(home: other).sessionIDs().first)
        let bytes = try #require(FileManager.default.contents(atPath: LocalStore(home: other).path(of: id)))
        return (id.value, Array(bytes))
    }

    @Test("a symlink in the store is never written through; the run still runs and keeps its exit")
    func symlink() throws {
        let home = Self.emptyStore()
        let (id, original) = try Self.recordedSession()
        let target = home + "/target.jsonl"
        try Data(original).write(to: URL(fileURLWithPath: target))
        #expect(Glibc.symlink(target, home + "/sessions/\(id).jsonl") == 0)

        let run = Harness.wrap(["--session-id", id, "--", "sh", "-c", "echo ran; exit 3"], home: home, timeout: 10)
        #expect(run.code == 3, "\(run.err)")
        #expect(run.out == "ran\n")
        #expect(run.err.contains("not a regular file") || run.err.contains("symbolic links"), "\(run.err)")

        for arguments in [["event", "action", "--session-id", id, "--type", "x"],
                          ["end", "Success", "--session-id", id],
                          ["tags", "add", "planted", "--session-id", id]] {
            let result = Self.tool(arguments, home: home)
            #expect(result.code == 1, "\(arguments): \(result.err)")
            #expect(result.err.hasPrefix("agentops: ") && result.err.filter { $0 == "\n" }.count == 1,
                    "\(arguments): \(result.err)")
            #expect(result.out.isEmpty, "\(arguments): \(result.out)")
        }
        let unchanged = FileManager.default.contents(atPath: target).map(Array.init) == original
        #expect(unchanged, "the symlink's target was written to")
    }

    @Test("a symlink to nowhere in the store is not followed to create its target")
    func danglingSymlink() throws {
        let home = Self.emptyStore()
        let id = UUID().uuidString.lowercased()
        let target = home + "/elsewhere.jsonl"
        #expect(Glibc.symlink(target, home + "/sessions/\(id).jsonl") == 0)
        let run = Harness.wrap(["--session-id", id, "--", "sh", "-c", "echo ran; exit 4"], home: home, timeout: 10)
        #expect(run.code == 4, "\(run.err)")
        #expect(run.out == "ran\n")
        #expect(Self.warnings(run.err).count == 1, "\(run.err)")
        #expect(access(target, F_OK) != 0, "the link's target was created")
    }

    @Test("a FIFO in the store: every reader and the run finish at once, with an error or a skip")
    func fifo() throws {
        let home = Self.emptyStore()
        // A real session beside it, so the listing and pruning have something to do.
        let ok = Harness.wrap(["-q", "--", "true"], home: home)
        try #require(ok.code == 0, "\(ok.err)")
        let id = UUID().uuidString.lowercased()
        try #require(mkfifo(home + "/sessions/\(id).jsonl", 0o600) == 0)

        let sessions = Self.tool(["sessions"], home: home)
        #expect(sessions.code == 0 && sessions.seconds < 5, "\(sessions.err)")
        #expect(sessions.out.contains("1 session"), "\(sessions.out)")
        for arguments in [["show", id, "--no-pager"], ["export", id], ["stats", id]] {
            let result = Self.tool(arguments, home: home)
            #expect(result.code == 1 && result.seconds < 5, "\(arguments): \(result.err)")
            #expect(result.err.contains("not a regular file"), "\(arguments): \(result.err)")
        }
        let run = Harness.wrap(["--session-id", id, "--", "sh", "-c", "echo ran; exit 5"], home: home, timeout: 10)
        #expect(run.code == 5 && run.seconds < 5, "\(run.err)")
        #expect(run.out == "ran\n")
        #expect(Self.warnings(run.err).count == 1, "\(run.err)")

        let prune = Self.tool(["prune", "--keep", "0", "--yes"], home: home)
        #expect(prune.code == 0 && prune.seconds < 5, "\(prune.err)")
        #expect(prune.err.contains("removed 1 session"), "\(prune.err)")
        var info = stat()
        #expect(lstat(home + "/sessions/\(id).jsonl", &info) == 0 && info.st_mode & S_IFMT == S_IFIFO)
    }

    /// Checks a run whose big record could not be written whole: the output passed
    /// whole, one warning, no half line left in the log, and the end recorded after it.
    static func expectCutBack(_ result: Harness.Result, home: String, outputBytes: Int) throws {
        #expect(result.signal == nil && result.code == 0, "\(result.err)")
        #expect(result.stdout.count == outputBytes)
        let warnings = Self.warnings(result.err)
        #expect(warnings.count == 1 && warnings.first?.contains("recording to the local store failed") == true,
                "\(result.err)")
        let export = Self.tool(["export", "last"], home: home)
        try #require(export.code == 0, "\(export.err)")
        #expect(!export.err.contains("skipped a corrupted line"), "\(export.err)")
        let session = try #require(try JSONParser.parse(export.stdout)["session"])
        #expect(session["end_state"] == .string("Success"), "\(export.out)")
        #expect(session["end_timestamp"] != .null)
    }

    @Test("over ulimit -f, a record cut short is cut back: no half line, the end record after it")
    func partialWrite() throws {
        let home = Harness.temporaryFolder()
        let script = "ulimit -f 16; exec \(Harness.agentopsRun) -- python3 -c 'print(\"x\" * 12000)'"
        let result = Harness.run("/bin/sh", ["-c", script], environment: Harness.environment(home: home))
        try Self.expectCutBack(result, home: home, outputBytes: 12_001)
    }

    /// Whether this process may mount a tmpfs (root with CAP_SYS_ADMIN, as in CI).
    static let canMountTmpfs: Bool = {
        let folder = Harness.temporaryFolder()
        defer { rmdir(folder) }
        guard mount("tmpfs", folder, "tmpfs", 0, "size=16k,mode=0700") == 0 else { return false }
        umount(folder)
        return true
    }()

    @Test("on a full disk (a 16 KiB tmpfs), a record cut short is cut back: no half line, the end after it",
          .enabled(if: canMountTmpfs, "mounting a tmpfs needs root with CAP_SYS_ADMIN, which this process lacks"))
    func diskFull() throws {
        let mountPoint = Harness.temporaryFolder()
        try #require(mount("tmpfs", mountPoint, "tmpfs", 0, "size=16k,mode=0700") == 0, "\(errnoText())")
        defer {
            umount(mountPoint)
            rmdir(mountPoint)
        }
        let home = mountPoint + "/store"
        let result = Harness.wrap(["--", "python3", "-c", "print('x' * 40000)"], home: home)
        try Self.expectCutBack(result, home: home, outputBytes: 40_001)
    }

    @Test("AGENTOPS_HOME naming a regular file: readers fail with one line, not 'no sessions yet'")
    func homeIsAFile() throws {
        let home = Harness.temporaryFolder() + "/file"
        try Data("not a store\n".utf8).write(to: URL(fileURLWithPath: home))
        for (arguments, err) in Self.expectReadersRefuse(home: home, saying: "not a folder") {
            #expect(!err.contains("no session"), "\(arguments): \(err)")
        }
        let run = Harness.wrap(["--", "sh", "-c", "echo ran; exit 6"], home: home, timeout: 10)
        #expect(run.code == 6 && run.out == "ran\n", "\(run.err)")
        #expect(Self.warnings(run.err).count == 1, "\(run.err)")
        #expect(FileManager.default.contents(atPath: home) == Data("not a store\n".utf8))
    }

    @Test("the same create_events batch sent twice is recorded once (closing line and export)")
    func duplicateEventIDs() throws {
        let home = Harness.temporaryFolder()
        let client = """
        import json, os, urllib.request
        event = {"id": "1b7e7a52-9d7c-4a53-a5a4-0f0e1c2d3b4a", "event_type": "actions", "action_type": "retry",
                 "init_timestamp": "2026-01-02T03:04:05.000000+00:00",
                 "end_timestamp": "2026-01-02T03:04:06.000000+00:00"}
        body = json.dumps({"events": [event]}).encode()
        for _ in range(2):
            request = urllib.request.Request(os.environ["AGENTOPS_API_ENDPOINT"] + "/v2/create_events", data=body,
                headers={"Content-Type": "application/json", "X-Agentops-Api-Key": os.environ["AGENTOPS_API_KEY"]})
            assert urllib.request.urlopen(request).status == 200
        """
        let result = Harness.wrap(["--", "python3", "-c", client], home: home, timeout: 30)
        #expect(result.code == 0, "\(result.err)")
        #expect(result.err.hasSuffix("| LLMs: 0 | Tools: 0 | Actions: 1 | Errors: 0\n"), "\(result.err)")
        let actions = try Harness.export(home: home).list("actions")
        #expect(actions.count == 1 && actions.first?["action_type"] == .string("retry"), "\(actions)")
    }

    @Test("a session file deleted mid-run: one warning naming the deletion; output and exit unchanged")
    func deletedMidRun() throws {
        let home = Harness.temporaryFolder()
        let script = #"rm "$AGENTOPS_HOME/sessions/$AGENTOPS_SESSION_ID.jsonl"; echo hi; sleep 0.3; echo there; "#
            + "exit 2"
        let result = Harness.wrap(["--", "sh", "-c", script], home: home)
        #expect(result.code == 2, "\(result.err)")
        #expect(result.out == "hi\nthere\n")
        let warnings = Self.warnings(result.err)
        #expect(warnings.count == 1 && warnings.first?.contains("was deleted") == true, "\(result.err)")
    }

    @Test("a store folder others may write to: the run does not record there but keeps its exit; agentops refuses it")
    func worldWritableStore() throws {
        let home = Harness.temporaryFolder()
        _ = Harness.wrap(["-q", "--", "true"], home: home)
        try #require(chmod(home + "/sessions", 0o777) == 0)
        let run = Harness.wrap(["--", "sh", "-c", "echo ran; exit 7"], home: home, timeout: 10)
        #expect(run.code == 7 && run.out == "ran\n", "\(run.err)")
        let warnings = Self.warnings(run.err)
        #expect(warnings.count == 1 && warnings.first?.contains("will not be recorded locally") == true
            && warnings.first?.contains("others may write") == true, "\(run.err)")
        Self.expectReadersRefuse(home: home, saying: "others may write")
        let files = try FileManager.default.contentsOfDirectory(atPath: home + "/sessions")
        #expect(files.count == 1, "pruned through an unsafe folder: \(files)")
    }

    @Test("half a line left by a writer killed mid-write does not swallow the next record")
    func halfLine() throws {
        let home = Harness.temporaryFolder()
        let first = Harness.wrap(["-q", "--", "true"], home: home)
        try #require(first.code == 0, "\(first.err)")
        let id = try #require(try LocalStore(home: home).sessionIDs().first)
        let log = try #require(FileHandle(forWritingAtPath: LocalStore(home: home).path(of: id)))
        log.seekToEndOfFile()
        log.write(Data(#"{"record":"event","event":{"id":"cut sh"#.utf8))
        log.closeFile()
        let event = Self.tool(["event", "action", "--type", "after-the-cut", "--session-id", id.value], home: home)
        #expect(event.code == 0, "\(event.err)")
        let export = Self.tool(["export", id.value], home: home)
        try #require(export.code == 0, "\(export.err)")
        let actions = try JSONParser.parse(export.stdout).list("actions")
        #expect(actions.contains { $0["action_type"] == .string("after-the-cut") }, "\(export.err)")
        // The half line itself is reported, once.
        #expect(export.err.components(separatedBy: "skipped a corrupted line").count == 2, "\(export.err)")
    }

    @Test("a session file with no start record: every reader says so, in one line")
    func noStartRecord() throws {
        let home = Self.emptyStore()
        let id = UUID().uuidString.lowercased()
        let path = home + "/sessions/\(id).jsonl"
        try Data(#"{"record":"tags_added","tags":["orphan"]}"#.utf8 + [0x0A]).write(to: URL(fileURLWithPath: path))
        for arguments in [["show", id, "--no-pager"], ["stats", id], ["export", id],
                          ["export", id, "--format", "jsonl"], ["export", id, "--format", "otlp-json"],
                          ["report", id, "-o", "-"]] {
            let result = Self.tool(arguments, home: home)
            #expect(result.code == 1, "\(arguments): \(result.err)")
            #expect(result.err == "agentops: \(path) holds no session (no start record)\n",
                    "\(arguments): \(result.err)")
        }
    }

    @Test("AGENTOPS_HOME a symlink to a folder of yours is used; a symlinked sessions folder is refused")
    func symlinkedHome() throws {
        let root = Harness.temporaryFolder()
        try #require(mkdir(root + "/real", 0o700) == 0 && Glibc.symlink(root + "/real", root + "/home") == 0)
        let run = Harness.wrap(["--", "sh", "-c", "echo ran; exit 3"], home: root + "/home", timeout: 10)
        #expect(run.code == 3 && Self.warnings(run.err).isEmpty, "\(run.err)")
        let listed = Self.tool(["sessions"], home: root + "/home")
        #expect(listed.code == 0 && listed.out.contains("1 session"), "\(listed.err)")

        let planted = Self.emptyStore()
        rmdir(planted + "/sessions")
        try #require(Glibc.symlink(root + "/real/sessions", planted + "/sessions") == 0)
        let refused = Harness.wrap(["--", "sh", "-c", "exit 4"], home: planted, timeout: 10)
        #expect(refused.code == 4 && Self.warnings(refused.err).count == 1
            && refused.err.contains("it is not a folder"), "\(refused.err)")
        let unlisted = Self.tool(["sessions"], home: planted)
        #expect(unlisted.code == 1 && unlisted.err.contains("it is not a folder"), "\(unlisted.err)")
    }

    /// Runs `executable` without the capabilities that let root ignore permission bits,
    /// so a root test process checks what a user's would (`setpriv`, util-linux).
    static func withoutOverride(_ executable: String, _ arguments: [String], home: String) -> Harness.Result {
        guard geteuid() == 0 else {
            return Harness.run(executable, arguments, environment: Harness.environment(home: home), timeout: 10)
        }
        return Harness.run("/usr/bin/setpriv", ["--bounding-set=-dac_override,-dac_read_search,-fowner", "--",
                                                executable] + arguments,
                           environment: Harness.environment(home: home), timeout: 10)
    }

    @Test("a read-only store: the run warns, runs and keeps its exit; readers still read",
          .enabled(if: geteuid() != 0 || access("/usr/bin/setpriv", X_OK) == 0,
                   "as root permission bits do not apply, and setpriv (util-linux) to drop that is missing"))
    func readOnlyStore() throws {
        let home = Harness.temporaryFolder()
        _ = Harness.wrap(["-q", "--", "true"], home: home)
        try #require(chmod(home + "/sessions", 0o500) == 0)
        defer { chmod(home + "/sessions", 0o700) }
        let run = Self.withoutOverride(Harness.agentopsRun, ["--", "sh", "-c", "echo ran; exit 8"], home: home)
        #expect(run.code == 8 && run.out == "ran\n", "\(run.err)")
        let warnings = Self.warnings(run.err)
        #expect(warnings.count == 1 && warnings.first?.contains("Permission denied") == true, "\(run.err)")
        let sessions = Self.withoutOverride(Harness.agentops, ["sessions"], home: home)
        #expect(sessions.code == 0 && sessions.out.contains("1 session"), "\(sessions.err)")
        #expect(try LocalStore(home: home).sessionIDs().count == 1)
    }

    /// A sessions folder the user may not write to: `prune` said "removed 0 sessions"
    /// and exited 0, the session still there (hostile pass, round 14).
    @Test("prune that cannot remove a session names it and why, and fails; the session stays")
    func pruneCannotRemove() throws {
        let home = Self.emptyStore()
        let (id, bytes) = try Self.recordedSession()
        let path = home + "/sessions/\(id).jsonl"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        var command = [Harness.agentops, "prune", "--keep", "0", "--yes"]
        // A read-only folder does not stop root's unlink: as root, prune runs as nobody,
        // owner of the store (the scratch root made passable for it).
        if getuid() == 0 {
            chmod((home as NSString).deletingLastPathComponent, 0o711)
            for owned in [home, home + "/sessions", path] { #expect(chown(owned, 65534, 65534) == 0) }
            command = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] + command
        }
        #expect(chmod(home + "/sessions", 0o500) == 0)
        let result = Harness.run(command[0], Array(command.dropFirst()), environment: Harness.environment(home: home),
                                 timeout: 30)
        chmod(home + "/sessions", 0o700)
        #expect(result.code == 1, "\(result.err)")
        #expect(result.err.hasSuffix("agentops: cannot remove 1 session: \(path): Permission denied\n"), "\(result.err)")
        #expect(access(path, F_OK) == 0)
    }
}
