// Driver of scripts/bench-endpoint-parse: times the baseline's two endpoint parsers
// (OldEndpointURL.isHTTP, HTTPTarget) against HTTPEndpoint, compiled into one program.
import Foundation

let urls = ["https://api.agentops.ai/v2", "http://127.0.0.1:4318/v1/traces"]

@inline(never) func settingsOld(_ url: String) -> Bool { OldEndpointURL.isHTTP(url) }
@inline(never) func settingsNew(_ url: String) -> Bool { HTTPEndpoint(url) != nil }
/// What the OTLP client did per batch: `URL(string:)`, then the exchange's `HTTPTarget`,
/// then, for https, `URL(string:)` again for URLSession.
@inline(never) func batchOld(_ url: String) -> Bool {
    guard URL(string: url) != nil else { return false }
    if HTTPTarget(url) != nil { return true }
    return URL(string: url) != nil
}

func run(_ what: String, _ url: String, _ count: Int) -> Int {
    var hits = 0
    for _ in 0..<count {
        switch what {
        case "settings-old": if settingsOld(url) { hits += 1 }
        case "settings-new": if settingsNew(url) { hits += 1 }
        default: if batchOld(url) { hits += 1 }
        }
    }
    return hits
}

let arguments = CommandLine.arguments
if arguments[1] == "count" {
    print(run(arguments[2], arguments[3], Int(arguments[4])!))
    exit(0)
}
let rounds = Int(arguments[2])!
let calls = 2000
let kinds = ["settings-old", "settings-new", "batch-old"]
var times: [String: [Double]] = [:]
for _ in 0..<rounds {
    for url in urls {
        for what in kinds {
            let start = DispatchTime.now().uptimeNanoseconds
            precondition(run(what, url, calls) == calls)
            let ns = Double(DispatchTime.now().uptimeNanoseconds - start) / Double(calls)
            times[what + " " + url, default: []].append(ns)
        }
    }
}
func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
print("ns per call, median (min-max) over \(rounds) interleaved rounds of \(calls) calls")
for url in urls {
    let old = median(times["settings-old " + url]!)
    for what in kinds {
        let values = times[what + " " + url]!
        let ratio = median(values) / old
        print(String(format: "%-13@ %-34@ %8.0f (%6.0f-%6.0f)  %.2fx settings-old", what as NSString, url as NSString,
                     median(values), values.min()!, values.max()!, ratio))
    }
}
