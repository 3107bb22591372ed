/// `agentops tags add|set`: the running session's tags.
extension SessionCommands {
    static let tagsUsage = """
    usage: agentops tags add|set TAG... [--session-id ID]

    add: add TAGs (commas separate several) to the running session's tags, as the
    SDK's add_tags; set: replace them, as set_tags.

          --session-id ID  the session, instead of $AGENTOPS_SESSION_ID
      -h, --help           show this help
    """

    /// `agentops tags add TAG...` and `agentops tags set TAG...`.
    static func tags(_ arguments: [String], store: LocalStore, environment: [String: String]) throws -> Int32 {
        guard let verb = arguments.first, verb == "add" || verb == "set" else {
            throw Failure.invalid(option: "tags", value: arguments.first ?? "", expected: "add or set")
        }
        let spec = Spec(command: "tags \(verb)", options: [], required: [])
        let (values, given) = try parse(Array(arguments.dropFirst()), spec: spec)
        let tags = Tags.normalized(given)
        if tags.isEmpty, verb == "add" { throw Failure.missing("at least one tag") }
        let (_, file) = try openSession(values["--session-id"], store: store, environment: environment)
        try file.append(verb == "add" ? .tagsAdded(tags) : .tags(tags))
        return 0
    }
}
