
/// `agentops prune`: removes old sessions, with their exporters' cursors.
enum PruneCommand {
    static let usage = """
    usage: agentops prune (--older-than DURATION | --keep N) [-n|--dry-run] [-y|--yes]

    Remove sessions started longer ago than DURATION (30d, 1h 30m), or all but the
    newest N (both: the older ones outside the newest N). A session that has not
    ended and was written to in the last minute may be running and is kept. Files
    that hold no session (empty, or cut before their start record) go too, once
    last written over a minute (and DURATION) ago.

          --older-than DURATION  remove sessions started longer ago than DURATION
          --keep N               keep the newest N sessions
      -n, --dry-run              list what would be removed, remove nothing
      -y, --yes                  do not ask (on a terminal, prune asks first)
      -h, --help                 show this help
    """

    static func run(_ arguments: [String], store: LocalStore, console: Console,
                    confirm: (String) -> Bool = PruneCommand.askOnTerminal) throws -> Int32 {
        var olderThan: Double?
        var keep: Int?
        var dryRun = false
        var yes = false
        var cursor = ArgumentCursor(arguments)
        while !cursor.isAtEnd {
            cursor.splitCluster(flags: "nyh")
            if let value = try cursor.value(for: "--older-than") {
                guard let seconds = DurationParser.seconds(value) else {
                    throw UsageError.invalidValue(option: "--older-than", value: value,
                                                  expected: "a duration such as 30d (at most \(DurationParser.maximumText))")
                }
                olderThan = seconds
            } else if let value = try cursor.value(for: "--keep") {
                guard let number = Int(value), number >= 0 else {
                    throw UsageError.invalidValue(option: "--keep", value: value, expected: "a number ≥ 0")
                }
                keep = number
            } else if cursor.flag("-n", "--dry-run") {
                dryRun = true
            } else if cursor.flag("-y", "--yes") {
                yes = true
            } else if cursor.flag("-h", "--help") {
                print(usage)
                return AgentOpsCommand.Status.ok
            } else {
                throw cursor.notTaken
            }
        }
        guard olderThan != nil || keep != nil else { throw UsageError.missingValue(option: "--older-than or --keep") }
        let listing = try store.listing(warningOn: console)
        let chosen = store.prune(listing, olderThan: olderThan, keep: keep, dryRun: true)
        let empty = Set(listing.withoutSession)
        func plural(_ ids: [SessionID]) -> String {
            let files = ids.filter(empty.contains).count, sessions = ids.count - files
            let text = "\(sessions) session\(sessions == 1 ? "" : "s")"
            return files == 0 ? text : text + " and \(files) file\(files == 1 ? "" : "s") holding none"
        }
        if dryRun {
            for id in chosen { print(id.value) }
            console.info("would remove \(plural(chosen))")
            return AgentOpsCommand.Status.ok
        }
        if !chosen.isEmpty, !yes, !confirm("remove \(plural(chosen)) from \(store.home)? [y/N] ") {
            console.info("removed nothing")
            return AgentOpsCommand.Status.ok
        }
        let (removed, failed) = store.remove(chosen)
        console.info("removed \(plural(removed))")
        // Said, with a failing status: "removed 0 sessions" and 0 from a read-only store
        // read as done (hostile pass, round 14).
        guard let first = failed.first else { return AgentOpsCommand.Status.ok }
        console.error("cannot remove \(plural(failed.map(\.id))): \(store.path(of: first.id)): \(first.reason)"
            + (failed.count > 1 ? " (and \(failed.count - 1) more)" : ""))
        return AgentOpsCommand.Status.failure
    }

    /// On a terminal (stdin and stderr), asks `question` on stderr and reads the
    /// answer: only `y` or `yes` agrees. Elsewhere (scripts, cron) it agrees, as prune
    /// always did.
    static func askOnTerminal(_ question: String) -> Bool {
        guard Descriptors.isTerminal(0), Descriptors.isTerminal(2) else { return true }
        Descriptors.writeAll(Array(question.utf8), to: 2)
        guard let answer = readLine() else { return false }
        return ["y", "yes"].contains(answer.trimmingSpaces().lowercased())
    }
}
