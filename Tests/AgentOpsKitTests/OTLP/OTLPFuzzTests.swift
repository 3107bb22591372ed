import Testing
@testable import AgentOpsKit

@Suite("OTLP fuzz")
struct OTLPFuzzTests {
    @Test("10,000 mutated captured bodies decode or throw, never trap")
    func mutatedBodies() throws {
        let bodies = try OTLPFixtures.capturedRequests().map { try OTLPTraceRequest(jsonValue: $0.json).protobuf }
            + [try OTLPFixtures.bytes("golden_session_export.bin")]
        var random = SeededRandom(seed: 0x5EED_0715)
        var decoded = 0, refused = 0
        for _ in 0..<10_000 {
            var body = bodies[random.next(bodies.count)]
            for _ in 0..<(1 + random.next(3)) { Self.mutate(&body, &random) }
            do {
                let request = try OTLPTraceRequest(protobuf: body)
                // Whatever decoded must also encode and decode again to the same model.
                #expect(try OTLPTraceRequest(protobuf: request.protobuf) == request || Self.hasNaN(request))
                decoded += 1
            } catch is OTLPDecodeError {
                refused += 1
            }
        }
        #expect(decoded > 100 && refused > 100)
    }

    @Test("random JSON-shaped mutations decode or throw")
    func mutatedJSON() throws {
        let body = try OTLPFixtures.bytes("golden_session_export.json")
        var random = SeededRandom(seed: 99)
        for _ in 0..<500 {
            var mutated = body
            for _ in 0..<(1 + random.next(3)) { Self.mutate(&mutated, &random) }
            _ = try? OTLPTraceRequest(json: mutated)
        }
    }

    static func mutate(_ body: inout [UInt8], _ random: inout SeededRandom) {
        guard !body.isEmpty else { body = [UInt8(truncatingIfNeeded: random.next(256))]; return }
        let i = random.next(body.count)
        switch random.next(6) {
        case 0: body[i] ^= UInt8(truncatingIfNeeded: 1 << random.next(8))
        case 1: body.removeSubrange(random.next(body.count)...)
        case 2: body.insert(UInt8(truncatingIfNeeded: random.next(256)), at: i)
        case 3: body.remove(at: i)
        case 4:
            // Corrupt what may be a length: a large or boundary value at a random byte.
            body[i] = [0x00, 0x7F, 0x80, 0xFF, 0x01][random.next(5)]
        default:
            // Overwrite with a long varint (a length far past the end).
            let long: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF, 0x0F]
            body.replaceSubrange(i..<min(body.count, i + long.count), with: long)
        }
    }

    /// NaN is the one value that does not equal itself after a round trip.
    static func hasNaN(_ request: OTLPTraceRequest) -> Bool {
        func nan(_ value: OTLPAnyValue) -> Bool {
            switch value {
            case let .double(d): return d.isNaN
            case let .array(values): return values.contains(where: nan)
            case let .kvlist(pairs): return pairs.contains { nan($0.value) }
            default: return false
            }
        }
        func any(_ list: [OTLPKeyValue]) -> Bool { list.contains { nan($0.value) } }
        return request.resourceSpans.contains { rs in
            any(rs.resource.attributes) || rs.scopeSpans.contains { ss in
                any(ss.scope.attributes) || ss.spans.contains { span in
                    any(span.attributes) || span.events.contains { any($0.attributes) }
                        || span.links.contains { any($0.attributes) }
                }
            }
        }
    }
}
