/// A session as recorded: what the export's `session` row holds, plus the command.
public struct Session: Sendable, Equatable {
    /// The session id.
    public var id: SessionID
    /// The AgentOps project; only the API knows it, so locally it is null.
    public var projectID: String?
    /// When the session started.
    public var initTimestamp: Timestamp
    /// When it ended; nil while running or when its owner never ended it.
    public var endTimestamp: Timestamp?
    /// `Indeterminate` until it ends.
    public var endState: EndState
    /// Why it ended, in words.
    public var endStateReason: String?
    /// Tags, in the order first given, without duplicates.
    public var tags: [String]
    /// The optional video URL attribute.
    public var video: String?
    /// The host environment (`HostEnvironment.collect`).
    public var hostEnv: JSONValue
    /// The wrapped command line, argument by argument.
    public var command: [String]

    /// A new session, `Indeterminate` until it ends.
    public init(id: SessionID, initTimestamp: Timestamp, tags: [String], hostEnv: JSONValue, command: [String],
                video: String? = nil) {
        self.id = id
        self.projectID = nil
        self.initTimestamp = initTimestamp
        self.endTimestamp = nil
        self.endState = .indeterminate
        self.endStateReason = nil
        self.tags = Tags.normalized(tags)
        self.video = video
        self.hostEnv = hostEnv
        self.command = command
    }

    /// The command line as a person would type it (shell-quoted where needed).
    public var commandLine: String { ShellQuoting.join(command) }
}

/// Tag lists: split on commas, trimmed, empty ones dropped, first occurrence kept.
public enum Tags {
    /// Normalises `tags`, splitting comma-separated values.
    public static func normalized(_ tags: [String]) -> [String] {
        var seen = Set<String>()
        var result: [String] = []
        for value in tags {
            for part in value.split(separator: ",", omittingEmptySubsequences: true) {
                let tag = part.trimmingSpaces()
                if !tag.isEmpty, seen.insert(tag).inserted { result.append(tag) }
            }
        }
        return result
    }
}

/// Quoting for showing a command line to a person, the way a POSIX shell reads it.
public enum ShellQuoting {
    /// `args` joined with spaces, each quoted only when the shell would need it.
    public static func join(_ args: [String]) -> String { args.map(quote).joinedStrings(separator: " ") }

    /// One argument, single-quoted unless it is made of safe characters only.
    public static func quote(_ arg: String) -> String {
        // Bytes, not a Set of Characters built on every call (a tenth of a millisecond).
        let safe: (UInt8) -> Bool = { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"): true
            default: "@%+=:,./-_".utf8.contains(byte)
            }
        }
        if !arg.isEmpty, arg.utf8.allSatisfy(safe) { return arg }
        return "'" + arg.split(separator: "'", omittingEmptySubsequences: false).map(String.init)
            .joinedStrings(separator: "'\\''") + "'"
    }
}
