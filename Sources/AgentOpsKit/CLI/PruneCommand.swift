/// `agentops prune`: removes old sessions, with their exporters' cursors.
enum PruneCommand {
    static func run(_ arguments: [String], store: LocalStore, console: Console) throws -> Int32 {
        var olderThan: Double?
        var keep: Int?
        var cursor = ArgumentCursor(arguments)
        while !cursor.isAtEnd {
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
            } else {
                throw cursor.current.hasPrefix("-") ? UsageError.unknownOption(cursor.current)
                    : UsageError.unexpectedArgument(cursor.current)
            }
        }
        guard olderThan != nil || keep != nil else { throw UsageError.missingValue(option: "--older-than or --keep") }
        let removed = try store.prune(olderThan: olderThan, keep: keep)
        console.info("removed \(removed.count) session\(removed.count == 1 ? "" : "s")")
        return AgentOpsCommand.Status.ok
    }
}
