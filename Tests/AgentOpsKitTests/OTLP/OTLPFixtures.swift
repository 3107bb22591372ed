import Foundation
@testable import AgentOpsKit

/// The OTLP test vectors committed under `Tests/AgentOpsKitTests/Fixtures/otlp`, read from
/// the source tree: the golden session export and the requests captured from the SDKs.
enum OTLPFixtures {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/otlp").standardized.path

    static func bytes(_ name: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: folder + "/" + name) else {
            throw FixtureMissing(path: folder + "/" + name)
        }
        return [UInt8](data)
    }

    /// Captured scenarios: files holding `[{"seq": n, "request": <OTLP/JSON>}]`.
    static let capturedFiles = [
        "autostart.otlp.json", "autostart_crash.otlp.json", "decorators.otlp.json", "generic_otel.otlp.json",
        "inherit_ignored.otlp.json", "inherit_joined.otlp.json", "openai.otlp.json",
    ]

    /// Every captured request as its OTLP/JSON document, labelled `file#seq`.
    static func capturedRequests() throws -> [(label: String, json: JSONValue)] {
        var result: [(String, JSONValue)] = []
        for file in capturedFiles {
            let document = try JSONParser.parse(try bytes(file))
            for entry in document.arrayValue ?? [] {
                guard let request = entry["request"] else { continue }
                result.append(("\(file)#\(entry["seq"]?.intValue ?? -1)", request))
            }
        }
        return result
    }

    struct FixtureMissing: Error, CustomStringConvertible {
        var path: String
        var description: String { "fixture missing: \(path)" }
    }
}
