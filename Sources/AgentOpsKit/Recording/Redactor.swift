import Foundation

/// Replaces secrets with `[REDACTED]` in everything recorded, while the terminal still
/// shows the command's output unchanged (pass-through never goes through here).
///
/// Secrets are the values (8 characters or more) of environment variables whose names
/// contain KEY, TOKEN, SECRET or PASSWORD, the AgentOps API key whatever its length,
/// and whatever matches a `--redact` pattern.
///
/// `@unchecked Sendable`: `NSRegularExpression` is not marked `Sendable`, but a compiled
/// expression is immutable and safe to match from several threads.
public struct Redactor: @unchecked Sendable {
    /// What a secret is replaced with.
    public static let replacement = "[REDACTED]"
    /// Name fragments that mark an environment variable as secret (case-insensitive).
    public static let secretNameParts = ["KEY", "TOKEN", "SECRET", "PASSWORD"]

    /// How long the `--redact` patterns may search one text, all of them together, in
    /// microseconds. Redaction happens as output is recorded, between the pump's reads:
    /// a pattern that backtracks without end (`(a+)+$` on a line of a hundred `a`s) held
    /// the command's next line back for 98 s, and a `--timeout` for as long (hostile
    /// pass, round 13); sixty patterns of 90 ms each, 5.4 s per event (second hostile
    /// pass). One time for a whole record withheld every field after a slow one, a call's
    /// model too, so that it was priced $0 (third hostile pass).
    public static let patternTimeLimit: Int64 = 100_000
    /// What a text is recorded as when the patterns' search of it was stopped at the
    /// time limit: no part of it is known to be free of what they look for.
    public static let withheld = "[REDACTED: the --redact patterns took over 100 ms on this text]"

    /// Literal secrets, longest first, so a secret containing another goes whole.
    private let secrets: [[UInt8]]
    private let patterns: [NSRegularExpression]

    /// Whether there is anything to redact.
    public var isEmpty: Bool { secrets.isEmpty && patterns.isEmpty }

    /// The longest match that may need seeing whole: the longest literal secret, or
    /// for patterns (which have no bound) a generous 256 bytes.
    public var longestMatch: Int { max(secrets.first?.count ?? 0, patterns.isEmpty ? 0 : 256) }

    /// A redactor for `environment` and the given regular expressions: `patterns` from
    /// `--redact`, `inherited` from an outer run (`InheritedRedaction`).
    ///
    /// - Throws: `UsageError.invalidValue` for a pattern that is not a valid regular
    ///   expression, named as `--redact`'s or as the variable's it came in.
    public init(environment: [String: String], patterns: [String] = [], inherited: [String] = []) throws(UsageError) {
        var values = Set<String>()
        for (name, value) in environment where Self.isSecretName(name) && value.count >= 8 {
            values.insert(value)
        }
        // The key is a secret whatever its variable's name, but under 8 characters it is
        // no AgentOps key (those are UUIDs, refused anyway) and hiding it would mangle
        // text: a key `x` turned "exited" into "e[REDACTED]ited" in the end reason.
        if let key = environment["AGENTOPS_API_KEY"], key.count >= 8 { values.insert(key) }
        // As recorded text shows them: a value's bytes that are not UTF-8 as U+FFFD, as in
        // captured output, tags and the command (`SystemString`).
        secrets = values.map { Array(SystemString.displayed($0).utf8) }.sorted { $0.count > $1.count }
        var compiled: [NSRegularExpression] = []
        let sources = inherited.map { ($0, InheritedRedaction.variable) }
            + patterns.filter { !inherited.contains($0) }.map { ($0, "--redact") }
        for (pattern, option) in sources {
            do {
                // `^` and `$` at each line's ends: an event holds every line printed within
                // --event-window, so a pattern for one line matched or not by how fast the
                // lines came (second hostile pass, round 13).
                compiled.append(try NSRegularExpression(pattern: pattern, options: [.anchorsMatchLines]))
            } catch {
                throw .invalidValue(option: option, value: pattern, expected: "a regular expression")
            }
        }
        self.patterns = compiled
    }

    /// Whether `name` contains one of `secretNameParts`, ignoring case.
    ///
    /// Compared as ASCII bytes: this runs over the whole environment at every start, and
    /// Foundation's `uppercased()` and `contains` cost more than the rest of the
    /// redactor (issue 18). A name with other characters keeps the Unicode comparison,
    /// where `ſ` (long s) is an `S`.
    static func isSecretName(_ name: String) -> Bool {
        guard name.utf8.allSatisfy({ $0 < 0x80 }) else {
            let upper = name.uppercased()
            return secretNameParts.contains(where: upper.contains)
        }
        let bytes = Array(name.utf8)
        return secretNameParts.contains { part in
            let needle = Array(part.utf8)
            guard needle.count <= bytes.count else { return false }
            return (0...(bytes.count - needle.count)).contains { start in
                zip(bytes[start...], needle).allSatisfy { byte, upper in
                    byte == upper || (byte >= 0x61 && byte <= 0x7A && byte - 0x20 == upper)
                }
            }
        }
    }

    /// `text` with every secret and pattern match replaced, the patterns given
    /// `patternTimeLimit` for it, all of them together.
    public func redact(_ text: String) -> String {
        guard !isEmpty, !text.isEmpty else { return text }
        var result = text
        if !secrets.isEmpty {
            var bytes = Array(text.utf8)
            var changed = false
            for secret in secrets where Self.replaceAll(secret, in: &bytes) { changed = true }
            if changed { result = String(decoding: bytes, as: UTF8.self) }
        }
        let deadline = Clock.monotonicMicroseconds() + Self.patternTimeLimit
        for pattern in patterns {
            guard let replaced = Self.replacingMatches(of: pattern, in: result, until: deadline) else { return Self.withheld }
            result = replaced
        }
        return result
    }

    /// `text` with each match of `pattern` that is not empty replaced; nil when the
    /// search went past `deadline` (ICU reports its progress, and stops when told). An
    /// empty match hides nothing: replaced, `x*` put `[REDACTED]` between every two
    /// characters of every field, a stream's name included (hostile pass, round 13).
    static func replacingMatches(of pattern: NSRegularExpression, in text: String, until deadline: Int64) -> String? {
        let whole = text as NSString
        var ranges: [NSRange] = []
        var stopped = false
        pattern.enumerateMatches(in: text, options: [.reportProgress],
                                 range: NSRange(location: 0, length: whole.length)) { match, _, stop in
            if let match, match.range.length > 0 { ranges.append(match.range) }
            if Clock.monotonicMicroseconds() > deadline {
                stopped = true
                stop.pointee = true
            }
        }
        guard !stopped else { return nil }
        guard !ranges.isEmpty else { return text }
        var result = ""
        var copied = 0
        for range in ranges {
            result += whole.substring(with: NSRange(location: copied, length: range.location - copied)) + replacement
            copied = range.location + range.length
        }
        return result + whole.substring(from: copied)
    }

    /// Every string inside `value` redacted (keys too: a secret can be a key), each
    /// with the patterns' time of its own.
    public func redact(_ value: JSONValue) -> JSONValue {
        guard !isEmpty else { return value }
        switch value {
        case let .string(text): return .string(redact(text))
        case let .array(items): return .array(items.map(redact))
        case let .object(pairs): return .object(pairs.map { (redact($0.0), redact($0.1)) })
        case .null, .bool, .number: return value
        }
    }

    /// `record` with every string it would write redacted.
    public func redact(_ record: StoreRecord) -> StoreRecord {
        guard !isEmpty else { return record }
        switch record {
        case var .start(session):
            session.command = session.command.map(redact)
            session.tags = session.tags.map(redact)
            session.hostEnv = redact(session.hostEnv)
            session.video = session.video.map(redact)
            return .start(session)
        case var .event(event):
            event.fields = event.fields.map { ($0.0, redact($0.1)) }
            return .event(event)
        case let .tags(tags):
            return .tags(tags.map(redact))
        case let .tagsAdded(tags):
            return .tagsAdded(tags.map(redact))
        case var .end(end):
            end.reason = redact(end.reason)
            return .end(end)
        case var .declaredEnd(declared):
            declared.reason = declared.reason.map(redact)
            return .declaredEnd(declared)
        }
    }

    /// Replaces each occurrence of `needle` in `bytes`; true if there was one.
    private static func replaceAll(_ needle: [UInt8], in bytes: inout [UInt8]) -> Bool {
        guard let first = needle.first, needle.count <= bytes.count else { return false }
        var output: [UInt8] = []
        var copied = 0
        var index = 0
        bytes.withUnsafeBytes { haystack in
            needle.withUnsafeBytes { pattern in
                while index + pattern.count <= haystack.count,
                      let hit = ByteSearch.first(first, in: haystack.baseAddress! + index,
                                                 count: haystack.count - index - pattern.count + 1) {
                    let position = haystack.baseAddress!.distance(to: hit)
                    if ByteSearch.equal(haystack.baseAddress! + position, pattern.baseAddress!, count: pattern.count) {
                        if output.isEmpty { output.reserveCapacity(haystack.count) }
                        output.append(contentsOf: haystack[copied..<position])
                        output.append(contentsOf: replacement.utf8)
                        index = position + pattern.count
                        copied = index
                    } else {
                        index = position + 1
                    }
                }
            }
        }
        guard copied > 0 else { return false }
        output.append(contentsOf: bytes[copied...])
        bytes = output
        return true
    }
}
