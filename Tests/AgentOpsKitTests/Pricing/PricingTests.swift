import Foundation
import Testing
@testable import AgentOpsKit

@Suite("Price table")
struct PricingTests {
    private static func decimal(_ text: String) -> Decimal { Decimal(string: text)! }

    private static func llm(_ model: String, prompt: Int, completion: Int, cost: JSONValue = .null,
                            cached: Int? = nil) -> Event {
        var fields: [(String, JSONValue)] = [("model", .string(model)), ("prompt_tokens", .int(prompt)),
                                             ("completion_tokens", .int(completion)), ("cost", cost)]
        if let cached { fields.append(("cached_tokens", .int(cached))) }
        let now = Timestamp(microseconds: 1_000_000)
        return Event(type: .llms, initTimestamp: now, endTimestamp: now, sessionID: .random(), fields: fields)
    }

    @Test("the bundled table is tokencost's: gpt-4o at $2.50/$10 per 1M tokens, cached $1.25")
    func bundled() throws {
        let prices = PriceTable()
        let (key, price) = try #require(prices.price(of: "gpt-4o"))
        #expect(key == "gpt-4o")
        #expect(price == ModelPrice(input: Self.decimal("0.0000025"), output: Self.decimal("0.00001"),
                                    cachedInput: Self.decimal("0.00000125"), provider: "openai"))
        #expect(PriceTable.bundled.count > 1000)
        #expect(PriceTable.bundledSource.contains("tokencost 0.1.26"))
        #expect(prices.price(of: "claude-3-5-sonnet-20241022")?.price.output == Self.decimal("0.000015"))
    }

    @Test("costs are exact decimals: no binary rounding however many tokens")
    func exactDecimals() throws {
        let price = ModelPrice(input: Self.decimal("0.0000025"), output: Self.decimal("0.00001"))
        #expect(price.cost(promptTokens: 10, completionTokens: 5) == Self.decimal("0.000075"))
        #expect(price.cost(promptTokens: 1_234_567, completionTokens: 7_654_321)
            == Self.decimal("79.6296275"))
        // 0.1 + 0.2 in binary floating point is 0.30000000000000004; here it is 0.3.
        let tenth = ModelPrice(input: Self.decimal("0.1"), output: Self.decimal("0.2"))
        #expect(tenth.cost(promptTokens: 1, completionTokens: 1) == Self.decimal("0.3"))
        #expect(Cost.sdkFormat(Self.decimal("0.0000125")) == "0.000013")
        #expect(Cost.sdkFormat(Self.decimal("0.0000124999")) == "0.000012")
        #expect(Cost.sdkFormat(0) == "0.00")
    }

    @Test("cached prompt tokens cost the cached price where known, else the input price")
    func cachedTokens() {
        let withCache = ModelPrice(input: Self.decimal("0.000002"), output: 0, cachedInput: Self.decimal("0.0000005"))
        #expect(withCache.cost(promptTokens: 1000, completionTokens: 0, cachedTokens: 400)
            == Self.decimal("0.0014"))
        let without = ModelPrice(input: Self.decimal("0.000002"), output: 0)
        #expect(without.cost(promptTokens: 1000, completionTokens: 0, cachedTokens: 400) == Self.decimal("0.002"))
    }

    @Test("names match exactly, lowercased, without a provider prefix, or with one")
    func matching() throws {
        let prices = PriceTable()
        #expect(prices.price(of: "openai/gpt-4o")?.key == "openai/gpt-4o")
        #expect(prices.price(of: "GPT-4o")?.key == "gpt-4o")
        #expect(prices.price(of: "my-proxy/gpt-4o-mini")?.key == "gpt-4o-mini")
        // Only filed under a prefix in the table: found by its name alone.
        #expect(prices.price(of: "gpt-35-turbo-0125")?.key == "azure/gpt-35-turbo-0125")
        #expect(prices.price(of: "no-such-model-xyz") == nil)
        #expect(prices.price(of: "") == nil)
    }

    @Test("a price file extends the table and wins over it; LiteLLM's shape with junk entries is accepted")
    func overrides() throws {
        let json = try JSONParser.parse("""
        {"sample_spec": {"max_tokens": "set to max_output_tokens"},
         "gpt-4o": {"input_cost_per_token": "0.000001", "output_cost_per_token": 0.000002},
         "house/model-1": {"input_cost_per_token": 1e-06, "litellm_provider": "house"},
         "dall-e-3": {"output_cost_per_image": 0.04}}
        """)
        let models = try PriceTable.parse(json)
        #expect(Set(models.keys) == ["gpt-4o", "house/model-1"])
        #expect(models["house/model-1"] == ModelPrice(input: Self.decimal("0.000001"), output: 0, provider: "house"))
        let prices = PriceTable(overrides: models)
        #expect(prices.price(of: "gpt-4o")?.price.input == Self.decimal("0.000001"))
        #expect(prices.price(of: "model-1")?.key == "house/model-1")
        #expect(prices.price(of: "gpt-4o-mini")?.key == "gpt-4o-mini")
        #expect(PriceTable(only: models).price(of: "gpt-4o-mini") == nil)

        #expect(throws: PriceTable.EntryError.self) {
            try PriceTable.parse(JSONParser.parse(#"{"m": {"input_cost_per_token": -1}}"#))
        }
        #expect(throws: PriceTable.EntryError.self) {
            try PriceTable.parse(JSONParser.parse(#"{"m": {"output_cost_per_token": "cheap"}}"#))
        }
    }

    @Test("a price file is read from --prices, else AGENTOPS_PRICES; a bad one is an error naming it")
    func configured() throws {
        let folder = StoreTests.folder()
        let path = folder + "/prices.json"
        try Data(#"{"m": {"input_cost_per_token": 0.5, "output_cost_per_token": 1}}"#.utf8)
            .write(to: URL(fileURLWithPath: path))
        #expect(try PriceTable.configured(file: path, environment: [:]).overrides.keys.sorted() == ["m"])
        #expect(try PriceTable.configured(file: nil, environment: ["AGENTOPS_PRICES": path]).overrides.count == 1)
        #expect(try PriceTable.configured(file: nil, environment: [:]).overrides.isEmpty)
        let missing = folder + "/missing.json"
        #expect { try PriceTable.configured(file: missing, environment: [:]) } throws: { error in
            "\(error)".contains(missing)
        }
        try Data("{}".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: PriceTable.FileError.self) { try PriceTable.configured(file: path, environment: [:]) }
        // Foundation said "You don't have permission" for a device and a folder
        // (hostile pass, round 13).
        for (other, problem) in [("/dev/zero", "is not a regular file (a FIFO, a device or a socket)"),
                                 (folder, "is a folder, not a file")] {
            #expect { try PriceTable.configured(file: other, environment: [:]) } throws: { error in
                "\(error)".contains(problem)
            }
        }
    }

    @Test("a summary prices calls without a cost, keeps given costs, and lists unknown models")
    func summaryCost() throws {
        let id = SessionID.random()
        var summary = SessionSummary(session: Session(id: id, initTimestamp: Timestamp(microseconds: 0), tags: [],
                                                      hostEnv: .null, command: []))
        summary.apply(.event(Self.llm("gpt-4o", prompt: 1000, completion: 500)))
        summary.apply(.event(Self.llm("gpt-4o", prompt: 10, completion: 5)))
        summary.apply(.event(Self.llm("gpt-4o", prompt: 100, completion: 100, cost: .number("0.5"))))
        summary.apply(.event(Self.llm("mystery-model", prompt: 100, completion: 100)))
        summary.apply(.event(Self.llm("mystery-model", prompt: 1, completion: 1)))
        let prices = PriceTable()
        // gpt-4o: 1010 × 0.0000025 + 505 × 0.00001 = 0.002525 + 0.00505; plus the given 0.5.
        #expect(summary.cost(prices) == Self.decimal("0.507575"))
        #expect(summary.unpricedModels(prices).map(\.model) == ["mystery-model"])
        #expect(summary.unpricedModels(prices).map(\.calls) == [2])
        #expect(summary.promptTokens == 1211)

        let row = SessionExport.row(Self.llm("gpt-4o", prompt: 10, completion: 5), prices: prices)
        #expect(row["cost"] == .number("0.000075"))
        #expect(SessionExport.row(Self.llm("mystery-model", prompt: 1, completion: 1), prices: prices)["cost"] == .null)
        #expect(SessionExport.row(Self.llm("gpt-4o", prompt: 1, completion: 1, cost: .string("0.25")),
                                  prices: prices)["cost"] == .string("0.25"))
    }

    @Test("the closing line shows the server's cost, and the local one beside it only when it differs")
    func statsLineCosts() {
        let summary = SessionSummary(session: Session(id: .random(), initTimestamp: Timestamp(microseconds: 0),
                                                      tags: [], hostEnv: .null, command: []))
        let now = Timestamp(microseconds: 1_000_000)
        #expect(StatsLine.format(summary, cost: Self.decimal("0.0042"), localCost: Self.decimal("0.00420000001"),
                                 now: now).contains("Cost: $0.004200 | "))
        #expect(StatsLine.format(summary, cost: Self.decimal("0.0042"), localCost: Self.decimal("0.0041"), now: now)
            .contains("Cost: $0.004200 (local $0.004100) | "))
    }
}
