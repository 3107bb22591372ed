/// The one session argument of `stats`, `export`, `show` (and `--remote`).
enum SessionArgument {
    /// The single session-id argument of `stats`, `export` and `show`; `options` may
    /// take an option (consuming it) and return true.
    static func path(_ arguments: [String], store: LocalStore,
                                        options: (inout ArgumentCursor) throws -> Bool = { _ in false }) throws -> String? {
        var cursor = ArgumentCursor(arguments)
        var query: String?
        while !cursor.isAtEnd {
            if cursor.flag("-h", "--help") { return nil }
            if try options(&cursor) { continue }
            if cursor.current.hasPrefix("-") { throw UsageError.unknownOption(cursor.current) }
            guard query == nil else { throw UsageError.unexpectedArgument(cursor.current) }
            query = cursor.current
            cursor.advance()
        }
        guard let query else { throw UsageError.missingValue(option: "session id (an id, a unique prefix or 'last')") }
        return store.path(of: try store.resolve(query))
    }
}
