import AgentOpsKit
import Foundation
import Testing

/// Prices as a user meets them: the closing line, `agentops show`, `agentops prices`,
/// and price files from --prices and AGENTOPS_PRICES.
@Suite("Pricing end to end")
struct PricingRunTests {
    static let calls = """
    agentops event llm --model gpt-4o --prompt-tokens 1000 --completion-tokens 500 &&
    agentops event llm --model house-model --prompt-tokens 10 --completion-tokens 10 &&
    agentops event llm --model gpt-4o --prompt-tokens 1000 --completion-tokens 0 --cached-tokens 400
    """

    static func priceFile(_ folder: String) throws -> String {
        let path = folder + "/prices.json"
        try Data(#"{"house-model": {"input_cost_per_token": "0.001", "output_cost_per_token": "0.002"}}"#.utf8)
            .write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("calls are priced from the bundled table; an unknown model is listed as unpriced")
    func bundled() throws {
        let home = Harness.temporaryFolder()
        let result = Harness.wrap(["sh", "-c", Self.calls], home: home, extra: RecordingCommandsTests.withTools(home),
                                  timeout: 30)
        #expect(result.code == 0, "\(result.err)")
        // gpt-4o: 1000 × 0.0000025 + 500 × 0.00001 = 0.0075; then 600 × 0.0000025 + 400 × 0.00000125 = 0.002.
        #expect(result.err.contains("| Cost: $0.009500 | LLMs: 3 |"), "\(result.err)")
        let show = Harness.tool(["show", "last"], home: home)
        #expect(show.out.contains("cost      $0.009500\n"))
        #expect(show.out.contains("unpriced  house-model (1 call): not in the price table"), "\(show.out)")
        #expect(show.out.contains("house-model (10→10 tokens, unpriced)"))
    }

    @Test("--prices and AGENTOPS_PRICES add models; agentops prices shows the match")
    func priceFiles() throws {
        let home = Harness.temporaryFolder()
        let file = try Self.priceFile(home)
        let result = Harness.wrap(["--prices", file, "sh", "-c", Self.calls], home: home,
                                  extra: RecordingCommandsTests.withTools(home), timeout: 30)
        // house-model: 10 × 0.001 + 10 × 0.002 = 0.03 more.
        #expect(result.err.contains("| Cost: $0.039500 |"), "\(result.err)")
        // The tool prices the same with the same file, and without it does not.
        #expect(Harness.tool(["--prices", file, "show", "last"], home: home).out.contains("cost      $0.039500\n"))
        var env = Harness.environment(home: home)
        env["AGENTOPS_PRICES"] = file
        let stats = Harness.run(Harness.agentops, ["stats", "last"], environment: env)
        #expect(try JSONParser.parse(stats.stdout)["cost"] == .number("0.0395"))
        #expect(Harness.tool(["show", "last"], home: home).out.contains("cost      $0.009500\n"))

        let prices = Harness.run(Harness.agentops, ["prices", "GPT-4o", "house-model", "nope-model"], environment: env)
        #expect(prices.code == 1)
        #expect(prices.out == """
            GPT-4o (as gpt-4o): input $2.5, output $10, cached input $1.25 per 1M tokens
            house-model: input $1000, output $2000 per 1M tokens
            nope-model: unknown (its calls are unpriced unless they carry a cost)

            """)
        #expect(Harness.tool(["prices"], home: home).out.contains("tokencost 0.1.26 (PyPI)"))
    }

    @Test("a broken price file is a usage error before anything runs; recording calls ignore it")
    func brokenFile() throws {
        let home = Harness.temporaryFolder()
        let path = home + "/bad.json"
        try Data(#"{"m": {"input_cost_per_token": -1}}"#.utf8).write(to: URL(fileURLWithPath: path))
        let result = Harness.wrap(["--prices", path, "sh", "-c", "echo ran"], home: home, timeout: 30)
        #expect(result.code == 125)
        #expect(result.out.isEmpty)
        #expect(result.err.contains("price table \(path): m: input_cost_per_token is not a price"), "\(result.err)")
        // agentops event inside a run with a broken AGENTOPS_PRICES still records.
        var extra = RecordingCommandsTests.withTools(home)
        extra["AGENTOPS_PRICES"] = home + "/missing.json"
        let run = Harness.wrap(["--prices", try Self.priceFile(home), "sh", "-c",
                                "agentops event action --type plan"], home: home, extra: extra, timeout: 30)
        #expect(run.code == 0, "\(run.err)")
        #expect(run.err.contains("Actions: 1"))
    }
}
