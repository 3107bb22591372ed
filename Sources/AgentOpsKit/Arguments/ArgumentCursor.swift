/// Walks command-line arguments, handling `--name value`, `--name=value`, `-x value`,
/// `-xvalue` and clustered short options (`-qt demo`) uniformly for both executables.
public struct ArgumentCursor {
    private var arguments: [String]
    private(set) var index = 0

    /// A cursor at the first of `arguments`.
    public init(_ arguments: [String]) { self.arguments = arguments }

    /// Whether every argument was taken.
    public var isAtEnd: Bool { index >= arguments.count }
    /// The argument at the cursor.
    public var current: String { arguments[index] }
    /// The arguments from the cursor on.
    public var remaining: [String] { Array(arguments[index...]) }

    /// Moves past the current argument.
    public mutating func advance() { index += 1 }

    /// If the current argument is `long` or one of `short` (with or without an
    /// attached value), consumes it and its value.
    ///
    /// - Returns: nil when the current argument is another option.
    /// - Throws: `UsageError.missingValue` when the value is missing.
    public mutating func value(for long: String, short: String? = nil) throws(UsageError) -> String? {
        let argument = current
        if argument == long || (short != nil && argument == short) {
            guard index + 1 < arguments.count else { throw .missingValue(option: argument) }
            index += 2
            return arguments[index - 1]
        }
        if argument.hasPrefix(long + "=") {
            index += 1
            return String(argument.dropFirst(long.count + 1))
        }
        if let short, argument.hasPrefix(short), argument.count > short.count, !argument.hasPrefix("--") {
            index += 1
            return String(argument.dropFirst(short.count))
        }
        return nil
    }

    /// If the current argument is one of `names`, consumes it.
    public mutating func flag(_ names: String...) -> Bool {
        guard names.contains(current) else { return false }
        index += 1
        return true
    }

    /// Splits a cluster of short options at the cursor, as getopt reads them: `-qv`
    /// becomes `-q -v`, and `-qtdemo` becomes `-q -tdemo` (the first letter that takes
    /// a value takes the rest). Only a cluster that starts with a letter of `flags` is
    /// split, so `-tdemo` stays a value and an unknown cluster stays whole, to be
    /// reported as it was written.
    ///
    /// - Parameters:
    ///   - flags: the letters of the short options that take no value.
    ///   - valued: the letters of the short options that take one.
    public mutating func splitCluster(flags: String, valued: String = "") {
        guard !isAtEnd else { return }
        let argument = current
        guard argument.hasPrefix("-"), !argument.hasPrefix("--"), argument.count > 2,
              let first = argument.dropFirst().first, flags.contains(first) else { return }
        var parts: [String] = []
        var rest = argument.dropFirst()
        while let letter = rest.first {
            if flags.contains(letter) {
                parts.append("-\(letter)")
                rest = rest.dropFirst()
            } else if valued.contains(letter) {
                parts.append("-" + rest)
                rest = ""
            } else {
                return
            }
        }
        arguments.replaceSubrange(index...index, with: parts)
    }

    /// The error for the current argument, which nothing took: an unknown option, or
    /// an argument where none was expected.
    public var notTaken: UsageError {
        current.hasPrefix("-") ? .unknownOption(current) : .unexpectedArgument(current)
    }
}
