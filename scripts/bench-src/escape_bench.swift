// Driver of scripts/bench-escape: the baseline's JSON string escape (OldJSONWriter,
// compiled from the base revision) against this tree's (JSONWriter), in one -O program,
// over four kinds of captured text.
//
//   bench time ROUNDS           ns per MiB, old and new, interleaved rounds, per input
//   bench count old|new INPUT N  escape INPUT N times (for callgrind: N=1 minus N=0)
import Foundation

/// About `size` bytes of one kind of captured text, the same every run.
func input(_ kind: String, size: Int = 1 << 20) -> String {
    var text = ""
    text.reserveCapacity(size + 64)
    switch kind {
    case "seq-6", "seq-7", "seq-8":
        // `seq 1 20000000`: the capture's 16 MiB head is 6-digit lines (7 bytes, 41% of
        // it) and 7-digit ones (8 bytes, 57%); its tail event 8-digit ones (9 bytes).
        var n = ["seq-6": 100_000, "seq-7": 1_000_000, "seq-8": 19_000_000][kind]!
        while text.utf8.count < size { text += "\(n)\n"; n += 1 }
    case "prose":
        let paragraph = """
            The quick brown fox jumps over the lazy dog; "quoted words" appear now and then,
            as do commas, full stops and the occasional back\\slash in a Windows path such as
            C:\\Users\\agent\\notes.txt. Most lines of a log or of an agent's answer run to
            sixty or seventy characters before the next newline, with\ttabs rarely.

            """
        while text.utf8.count < size { text += paragraph }
    case "utf8":
        let pieces = ["日本語のテキスト", "中文字符", "한국어 문장", "😀🚀✨", "émigré naïve", "\n", " ", "ok"]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        while text.utf8.count < size {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            text += pieces[Int(state % UInt64(pieces.count))]
        }
    default:
        // Random bytes, every value, as the capture hands them on: invalid UTF-8 repaired
        // to U+FFFD by String(decoding:), control characters left for the escape.
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        var bytes: [UInt8] = []
        bytes.reserveCapacity(size)
        while bytes.count < size {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            withUnsafeBytes(of: state) { bytes.append(contentsOf: $0) }
        }
        text = String(decoding: bytes, as: UTF8.self)
    }
    return text
}

let kinds = ["seq-6", "seq-7", "seq-8", "prose", "utf8", "invalid"]

@inline(never) func escapeOld(_ text: String, _ out: inout [UInt8]) {
    out.removeAll(keepingCapacity: true)
    OldJSONWriter.writeString(text, into: &out)
}

@inline(never) func escapeNew(_ text: String, _ out: inout [UInt8]) {
    out.removeAll(keepingCapacity: true)
    JSONWriter.writeString(text, into: &out)
}

func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

/// The words of the prose, one string each: the per-string cost of the short strings
/// (keys, names, ids) that most JSON strings are.
@inline(never) func escapeWords(_ words: [String], old: Bool, _ out: inout [UInt8]) {
    out.removeAll(keepingCapacity: true)
    for word in words {
        if old { OldJSONWriter.writeString(word, into: &out) } else { JSONWriter.writeString(word, into: &out) }
    }
}

let arguments = CommandLine.arguments
if arguments[1] == "count" {
    var out: [UInt8] = []
    if arguments[3] == "words" {
        let words = input("prose").split(separator: " ").map(String.init)
        for _ in 0..<Int(arguments[4])! { escapeWords(words, old: arguments[2] == "old", &out) }
        print(words.count)
    } else {
        let text = input(arguments[3])
        for _ in 0..<Int(arguments[4])! {
            if arguments[2] == "old" { escapeOld(text, &out) } else { escapeNew(text, &out) }
        }
        print(out.count)
    }
} else {
    let rounds = Int(arguments[2]) ?? 21
    print("kind     bytes    old MB/s (min-max)        new MB/s (min-max)        new/old time: median (min-max)")
    for kind in kinds {
        var text = input(kind)
        text.makeContiguousUTF8()
        let bytes = text.utf8.count
        var old: [UInt8] = [], new: [UInt8] = []
        escapeOld(text, &old)
        escapeNew(text, &new)
        guard old == new else { print("\(kind): OUTPUTS DIFFER"); exit(1) }
        var oldTimes: [Double] = [], newTimes: [Double] = [], ratios: [Double] = []
        for round in 0..<rounds {
            // Ten escapes per sample; which goes first alternates.
            func sample(_ f: (String, inout [UInt8]) -> Void, _ out: inout [UInt8]) -> Double {
                let start = now()
                for _ in 0..<10 { f(text, &out) }
                return Double(now() - start) / 10
            }
            var o = 0.0, n = 0.0
            if round % 2 == 0 { o = sample(escapeOld, &old); n = sample(escapeNew, &new) }
            else { n = sample(escapeNew, &new); o = sample(escapeOld, &old) }
            oldTimes.append(o); newTimes.append(n); ratios.append(n / o)
        }
        func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }
        func mbps(_ ns: Double) -> String { String(format: "%.0f", Double(bytes) / ns * 1e3) }
        let line = [kind.padding(toLength: 8, withPad: " ", startingAt: 0), String(bytes),
                    "\(mbps(median(oldTimes))) (\(mbps(oldTimes.max()!))-\(mbps(oldTimes.min()!)))",
                    "\(mbps(median(newTimes))) (\(mbps(newTimes.max()!))-\(mbps(newTimes.min()!)))",
                    String(format: "%.2f (%.2f-%.2f)", median(ratios), ratios.min()!, ratios.max()!)]
        print(line.joined(separator: "  "))
    }
}
