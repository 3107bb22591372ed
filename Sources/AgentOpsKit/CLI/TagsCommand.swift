/// `agentops tags add|set`: the running session's tags.
extension SessionCommands {
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
