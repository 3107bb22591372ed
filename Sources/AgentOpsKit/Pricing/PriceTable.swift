import Foundation

/// LLM prices: the bundled table (generated from the `tokencost` package, which the
/// AgentOps server prices with), extended or overridden by a file of the user's
/// (`--prices FILE` or `AGENTOPS_PRICES`).
///
/// The bundled table is parsed on first use only: most runs record no LLM call
/// without a cost, and agentops-run's start-up must not pay for 1,250 models.
public struct PriceTable: Sendable {
    /// The user's entries, which win over the bundled ones.
    public let overrides: [String: ModelPrice]
    /// Whether the bundled table is consulted (off for a table of exactly some models).
    let includesBundled: Bool
    private let overridesPrefixed: [String: String]

    /// The bundled table extended by `overrides`.
    public init(overrides: [String: ModelPrice] = [:]) {
        self.init(overrides, includesBundled: true)
    }

    /// A table of exactly `models`, without the bundled one.
    public init(only models: [String: ModelPrice]) {
        self.init(models, includesBundled: false)
    }

    private init(_ overrides: [String: ModelPrice], includesBundled: Bool) {
        self.overrides = overrides
        self.includesBundled = includesBundled
        overridesPrefixed = Self.prefixedIndex(overrides)
    }

    /// The table for a command line: the bundled one, extended by `file` (an option)
    /// or else by the file `AGENTOPS_PRICES` names.
    ///
    /// - Throws: `PriceTable.FileError` when that file cannot be read or holds a
    ///   malformed price.
    public static func configured(file: String?, environment: [String: String]) throws(FileError) -> PriceTable {
        guard let path = file ?? environment["AGENTOPS_PRICES"].flatMap({ $0.isEmpty ? nil : $0 }) else {
            return PriceTable()
        }
        // Foundation calls a FIFO or a device it will not read a permission problem
        // (hostile pass, round 13): named as what it is.
        if let status = Files.status(path), status.kind != .regular {
            throw FileError(path: path, problem: status.kind == .directory ? "is a folder, not a file"
                : "is not a regular file (a FIFO, a device or a socket)")
        }
        let bytes: Data
        do {
            bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw FileError(path: path, problem: "cannot be read (\((error as NSError).localizedDescription))")
        }
        let json: JSONValue
        do {
            json = try JSONParser.parse(bytes)
        } catch {
            throw FileError(path: path, problem: "not JSON: \(error)")
        }
        let models: [String: ModelPrice]
        do {
            models = try parse(json)
        } catch {
            throw FileError(path: path, problem: error.description)
        }
        guard !models.isEmpty else {
            throw FileError(path: path, problem: "no model with input_cost_per_token or output_cost_per_token")
        }
        return PriceTable(overrides: models)
    }

    /// A price file that could not be used.
    public struct FileError: Error, CustomStringConvertible {
        public let path: String
        public let problem: String
        public var description: String { "price table \(path): \(problem)" }
    }

    /// A malformed entry.
    public struct EntryError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Reads a LiteLLM-shaped table: `{"model": {"input_cost_per_token": 2.5e-06,
    /// "output_cost_per_token": 1e-05, "cache_read_input_token_cost": …,
    /// "litellm_provider": "openai"}, …}`, prices as JSON numbers or decimal strings.
    /// Entries with neither per-token price (image models, `sample_spec`, `_source`)
    /// are skipped, so LiteLLM's own file can be given as it is.
    ///
    /// - Throws: `EntryError` for a price that is not a non-negative number.
    public static func parse(_ json: JSONValue) throws(EntryError) -> [String: ModelPrice] {
        guard case let .object(pairs) = json else { throw EntryError(description: "not a JSON object of models") }
        var models: [String: ModelPrice] = [:]
        for (model, entry) in pairs {
            guard case .object = entry else { continue }
            func price(_ key: String) throws(EntryError) -> Decimal? {
                guard let value = entry[key], !value.isNull else { return nil }
                guard let amount = Cost.parse(value), amount >= 0, !amount.isNaN else {
                    throw EntryError(description: "\(model): \(key) is not a price in USD per token")
                }
                return amount
            }
            let input = try price("input_cost_per_token")
            let output = try price("output_cost_per_token")
            guard input != nil || output != nil else { continue }
            models[model] = ModelPrice(input: input ?? 0, output: output ?? 0,
                                       cachedInput: try price("cache_read_input_token_cost"),
                                       provider: entry["litellm_provider"]?.stringValue)
        }
        return models
    }

    /// The bundled table's JSON, parsed once, on first use. The generator checks it;
    /// a table that failed here would be a build defect, and pricing would degrade to
    /// "unpriced" rather than stop a run.
    ///
    /// Only the models and the source are kept, not the document: held, the parsed
    /// JSON of 1,250 models stayed in every pricing process's memory for one string
    /// (freed, its memory is reused; no change in peak RSS was measurable, BENCHMARKS).
    private static let bundledParsed: (models: [String: ModelPrice], source: String) = {
        let document = (try? JSONParser.parse(bundledJSON)) ?? .object([])
        let source = document["_source"].map { source in
            ["package", "file", "generated"].compactMap { source[$0]?.stringValue }.joined(separator: ", ")
        }
        return ((try? parse(document)) ?? [:], source ?? "unknown")
    }()

    /// The bundled table.
    static var bundled: [String: ModelPrice] { bundledParsed.models }

    /// Where the bundled table came from (its `_source` entry).
    public static var bundledSource: String { bundledParsed.source }

    /// Models keyed `provider/name`, by their lowercased last path segment.
    private static func prefixedIndex(_ models: [String: ModelPrice]) -> [String: String] {
        // Prefer a key whose prefix is the model's own provider (`gemini/…` filed
        // under gemini), then the alphabetically first.
        func prefixIsProvider(_ key: String) -> Bool {
            guard let provider = models[key]?.provider else { return false }
            return key.hasPrefix(provider + "/")
        }
        var index: [String: String] = [:]
        for key in models.keys.sorted() {
            guard let slash = key.lastIndex(of: "/") else { continue }
            let name = key[key.index(after: slash)...].lowercased()
            if let taken = index[name], prefixIsProvider(taken) || !prefixIsProvider(key) { continue }
            index[name] = key
        }
        return index
    }

    private static let bundledPrefixedIndex = prefixedIndex(bundled)

    /// The price of `model`, matched as the server's table is, then more leniently:
    /// 1. the name exactly; 2. lowercased (as tokencost looks names up);
    /// 3. for `provider/name`, the part after the last `/` (`azure/gpt-4o`);
    /// 4. a provider-prefixed key with that name (`gemini-1.5-flash` →
    ///    `gemini/gemini-1.5-flash`).
    /// The user's entries are tried before the bundled ones at every step.
    ///
    /// - Returns: the matched key and its price, or nil for an unknown model.
    public func price(of model: String) -> (key: String, price: ModelPrice)? {
        let tail = model.lastIndex(of: "/").map { String(model[model.index(after: $0)...]) }
        let candidates = [model, model.lowercased()] + (tail.map { [$0, $0.lowercased()] } ?? [])
        for key in candidates {
            if let price = overrides[key] { return (key, price) }
            if includesBundled, let price = Self.bundled[key] { return (key, price) }
        }
        let name = (tail ?? model).lowercased()
        if let key = overridesPrefixed[name], let price = overrides[key] { return (key, price) }
        if includesBundled, let key = Self.bundledPrefixedIndex[name], let price = Self.bundled[key] {
            return (key, price)
        }
        return nil
    }
}
