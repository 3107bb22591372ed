/// Lays out the command's environment as agentops-run's own was laid out.
///
/// The run works on the environment as a dictionary (`ThisProcess.environment`: an entry
/// without `=` is left out, a name given twice keeps its first value, the order is lost)
/// and passed that on, so a command could see an environment other than the one it
/// would have had without agentops-run in front (hostile pass, round 10). A supervisor
/// passes the environment through: only what the run sets may differ.
public enum EnvironmentLayout {
    /// The entries for `environment`, in the order and form of `own` (this process's
    /// entries, as bytes):
    /// - an entry of a name whose value `environment` keeps is passed on as it is, with
    ///   every other entry of that name (a name's value is its first entry's, as
    ///   `getenv(3)` reads it);
    /// - an entry without `=` is passed on as it is;
    /// - a name whose value the run changed is given its new value once, where its
    ///   first entry was; one the run removed is left out;
    /// - so is every `AGENTOPS_…` name, agentops-run's own: given twice, the command saw
    ///   both, and its shell or Python took the last where the run had taken the first,
    ///   joining another session than the one recorded (second hostile pass, round 11);
    /// - names the run added follow, sorted.
    /// The prefix of the variables agentops-run reads itself.
    static let ownPrefix = "AGENTOPS_"

    public static func entries(_ environment: [String: String], laidOutAs own: [[UInt8]]) -> [[UInt8]] {
        let equals = UInt8(ascii: "=")
        // Each name's value as the dictionary reading has it: its first entry's.
        var firstValue: [String: ArraySlice<UInt8>] = [:]
        var names: [String?] = []
        names.reserveCapacity(own.count)
        for entry in own {
            guard let split = entry.firstIndex(of: equals) else {
                names.append(nil)
                continue
            }
            let name = SystemString.decode(entry[..<split])
            names.append(name)
            if firstValue[name] == nil { firstValue[name] = entry[(split + 1)...] }
        }
        var result: [[UInt8]] = []
        result.reserveCapacity(own.count + 8)
        var placed = Set<String>()
        for (entry, name) in zip(own, names) {
            guard let name else {
                result.append(entry)
                continue
            }
            guard let value = environment[name] else { continue }
            if !name.hasPrefix(Self.ownPrefix), let kept = firstValue[name], SystemString.decode(kept) == value {
                result.append(entry)
            } else if placed.insert(name).inserted {
                result.append(SystemString.bytes(name + "=" + value))
            }
        }
        for name in environment.keys.sorted() where firstValue[name] == nil {
            result.append(SystemString.bytes(name + "=" + environment[name]!))
        }
        return result
    }
}
