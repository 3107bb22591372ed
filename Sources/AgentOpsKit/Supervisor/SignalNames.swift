import AgentOpsExec

/// Signal names and numbers for Linux, for reasons, messages and options.
public enum SignalNames {
    private static var table: [(String, Int32)] { SignalNumber.names }

    /// `SIGTERM` for 15; `SIGRTMIN+2` for a real-time signal; `SIG32` for a number
    /// without a name.
    public static func name(of signal: Int32) -> String {
        if let entry = table.first(where: { $0.1 == signal }) { return "SIG" + entry.0 }
        return SignalTable.realTimeName(of: signal) ?? "SIG\(signal)"
    }

    /// The number for `TERM`, `SIGTERM`, `sigterm` or `15`; nil when unknown.
    public static func number(of text: String) -> Int32? {
        if let value = Int32(text), value > 0, value < 65 { return value }
        var name = text.uppercased()
        if name.hasPrefix("SIG") { name.removeFirst(3) }
        if name == "RTMAX" { return SignalTable.realTimeMax }
        if name.hasPrefix("RTMIN") {
            let rest = name.dropFirst(5)
            let offset: Int32? = rest.isEmpty ? 0 : rest.first == "+" ? Int32(rest.dropFirst()) : nil
            guard let offset, offset >= 0, SignalTable.realTimeMin + offset <= SignalTable.realTimeMax else {
                return nil
            }
            return SignalTable.realTimeMin + offset
        }
        return table.first(where: { $0.0 == name })?.1
    }
}
