/// Lays out the command's environment as agentops-run's own was laid out.
///
/// The run works on the environment as a dictionary (`ProcessInfo`'s reading: an entry
/// without `=` is left out, a name given twice keeps its last value, the order is lost)
/// and passed that on, so a command could see an environment other than the one it
/// would have had without agentops-run in front (hostile pass, round 10). A supervisor
/// passes the environment through: only what the run sets may differ.
public enum EnvironmentLayout {
    /// The entries for `environment`, in the order and form of `own` (this process's
    /// entries, as bytes):
    /// - an entry of a name whose value `environment` keeps is passed on as it is, with
    ///   every other entry of that name (a name's value is its last entry's);
    /// - an entry without `=` is passed on as it is;
    /// - a name whose value the run changed is given its new value once, where its
    ///   first entry was; one the run removed is left out;
    /// - names the run added follow, sorted.
    public static func entries(_ environment: [String: String], laidOutAs own: [[UInt8]]) -> [[UInt8]] {
        let equals = UInt8(ascii: "=")
        // Each name's value as the dictionary reading has it: its last entry's.
        var lastValue: [String: ArraySlice<UInt8>] = [:]
        var names: [String?] = []
        names.reserveCapacity(own.count)
        for entry in own {
            guard let split = entry.firstIndex(of: equals) else {
                names.append(nil)
                continue
            }
            let name = SystemString.decode(entry[..<split])
            names.append(name)
            lastValue[name] = entry[(split + 1)...]
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
            if let kept = lastValue[name], SystemString.decode(kept) == value {
                result.append(entry)
            } else if placed.insert(name).inserted {
                result.append(SystemString.bytes(name + "=" + value))
            }
        }
        for name in environment.keys.sorted() where lastValue[name] == nil {
            result.append(SystemString.bytes(name + "=" + environment[name]!))
        }
        return result
    }
}
