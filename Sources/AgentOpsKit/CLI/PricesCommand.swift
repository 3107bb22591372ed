import Foundation

/// `agentops prices [MODEL...]`: where the price table comes from, and how a model
/// name is matched and priced, so that a cost can be checked by hand.
enum PricesCommand {
    static let usage = """
    usage: agentops [--prices FILE] prices [MODEL...]

    Without MODEL: where the bundled price table comes from, and how many models the
    price file (--prices FILE, else $AGENTOPS_PRICES) adds. For each MODEL: the table
    key it matches and its prices in USD per 1M tokens; exit 1 for an unknown model.

      -h, --help  show this help
    """

    static func run(_ arguments: [String], prices: PriceTable) throws -> Int32 {
        if let option = arguments.first(where: { $0.hasPrefix("-") }) {
            if option == "-h" || option == "--help" {
                print(usage)
                return 0
            }
            throw UsageError.unknownOption(option)
        }
        guard !arguments.isEmpty else {
            print("bundled: \(PriceTable.bundledSource)")
            if !prices.overrides.isEmpty { print("extended by \(prices.overrides.count) models from the price file") }
            return 0
        }
        var unknown = false
        for model in arguments {
            guard let (key, price) = prices.price(of: model) else {
                print("\(model): unknown (its calls are unpriced unless they carry a cost)")
                unknown = true
                continue
            }
            var parts = ["input $\(perMillion(price.input))", "output $\(perMillion(price.output))"]
            if let cached = price.cachedInput { parts.append("cached input $\(perMillion(cached))") }
            let matched = key == model ? "" : " (as \(key))"
            print("\(model)\(matched): " + parts.joined(separator: ", ") + " per 1M tokens")
        }
        return unknown ? 1 : 0
    }

    private static func perMillion(_ perToken: Decimal) -> String { Cost.exactText(perToken * 1_000_000) }
}
