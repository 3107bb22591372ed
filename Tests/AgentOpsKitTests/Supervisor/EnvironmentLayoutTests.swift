import Testing
@testable import AgentOpsKit

@Suite("Environment layout")
struct EnvironmentLayoutTests {
    static func entries(_ texts: [String]) -> [[UInt8]] { texts.map { Array($0.utf8) } }
    static func texts(_ entries: [[UInt8]]) -> [String] { entries.map { String(decoding: $0, as: UTF8.self) } }

    @Test("untouched: the same entries in the same order, duplicates and entries without '=' included")
    func untouched() {
        let own = Self.entries(["B=2", "NOEQUALS", "A=1", "A=3", "EMPTY=", "=nameless", "C=x=y"])
        // The dictionary reading: no entry without '=', a name's first value.
        let read = ["B": "2", "A": "1", "EMPTY": "", "": "nameless", "C": "x=y"]
        #expect(EnvironmentLayout.entries(read, laidOutAs: own) == own)
    }

    @Test("what the run changes: a new value once where the name first was, removed names gone, added ones last, sorted")
    func changed() {
        let own = Self.entries(["B=2", "NOEQUALS", "A=1", "PATH=/bin", "A=3", "GONE=1"])
        let run = ["B": "2", "A": "new", "PATH": "/bin", "Z_ADDED": "z", "AGENTOPS_SESSION_ID": "s"]
        #expect(Self.texts(EnvironmentLayout.entries(run, laidOutAs: own))
            == ["B=2", "NOEQUALS", "A=new", "PATH=/bin", "AGENTOPS_SESSION_ID=s", "Z_ADDED=z"])
    }

    @Test("agentops-run's own variables given twice: one entry, the value the run took, where the first stood")
    func ownNamesOnce() {
        let own = Self.entries(["AGENTOPS_SESSION_ID=first", "X=1", "AGENTOPS_SESSION_ID=second", "X=2"])
        let run = ["AGENTOPS_SESSION_ID": "first", "X": "1"]
        #expect(Self.texts(EnvironmentLayout.entries(run, laidOutAs: own)) == ["AGENTOPS_SESSION_ID=first", "X=1", "X=2"])
    }

    @Test("bytes that are not UTF-8 are passed on as they were, kept or changed")
    func notUTF8() {
        let own: [[UInt8]] = [Array("V=".utf8) + [0xFF, 0xFE], [0x4E, 0xE9], Array("W=a".utf8)]
        let read = ThisProcessReading.dictionary(own)
        #expect(EnvironmentLayout.entries(read, laidOutAs: own) == own)
        var changed = read
        changed["W"] = SystemString.decode([0xE9])
        #expect(EnvironmentLayout.entries(changed, laidOutAs: own) == [own[0], own[1], Array("W=".utf8) + [0xE9]])
    }
}

/// The dictionary `ThisProcess.environment` reads from such entries.
enum ThisProcessReading {
    static func dictionary(_ entries: [[UInt8]]) -> [String: String] {
        var result: [String: String] = [:]
        for entry in entries {
            guard let split = entry.firstIndex(of: UInt8(ascii: "=")) else { continue }
            let name = SystemString.decode(entry[..<split])
            if result[name] == nil { result[name] = SystemString.decode(entry[(split + 1)...]) }
        }
        return result
    }
}
