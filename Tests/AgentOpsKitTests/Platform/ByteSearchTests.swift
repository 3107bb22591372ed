import Testing
@testable import AgentOpsKit

@Suite("Byte search and byte lanes")
struct ByteSearchTests {
    @Test("the last byte is found from the back at every position, or none")
    func last() {
        for length in 0..<40 {
            for position in [nil] + (0..<length).map(Optional.some) {
                // Neighbours one bit away from a newline must not count.
                var bytes = (0..<length).map { [0x0B, 0x8A, 0x0E, 0x2A, 0x00][$0 % 5] as UInt8 }
                if let position { bytes[position] = 0x0A }
                if let position, position > 2 { bytes[position / 2] = 0x0A }
                let found = bytes.withUnsafeBytes { raw -> Int? in
                    guard let base = raw.baseAddress else { return nil }
                    return ByteSearch.last(0x0A, in: base, count: raw.count).map { base.distance(to: $0) }
                }
                #expect(found == position, "length \(length)")
            }
        }
    }

    @Test("lanes mark exactly the bytes that pass, whatever their neighbours")
    func lanes() {
        for value in 0...255 {
            for neighbour in [0, 1, 0x0A, 0x22, 0x7F, 0x80, 0xFF] as [UInt8] {
                var bytes = [UInt8](repeating: neighbour, count: 8)
                bytes[3] = UInt8(value)
                let word = bytes.withUnsafeBytes { ByteLanes.load($0.baseAddress!, at: 0) }
                let expected = bytes.filter { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }.count
                #expect(ByteLanes.count(ByteLanes.jsonSpecial(word)) == expected)
                #expect(ByteLanes.count(ByteLanes.equal(word, 0x0A)) == bytes.filter { $0 == 0x0A }.count)
            }
        }
    }

    @Test("JSON's special bytes are marked in their own lanes, for every pair of byte values")
    func jsonSpecialLanes() {
        func special(_ byte: Int) -> Bool { byte < 0x20 || byte == 0x22 || byte == 0x5C }
        for first in 0...255 {
            for second in 0...255 {
                // The pair in lanes 2 and 3 and again, swapped, in lanes 6 and 7.
                let bytes: [UInt8] = [0x61, 0x61, UInt8(first), UInt8(second), 0x61, 0x61, UInt8(second), UInt8(first)]
                let word = bytes.withUnsafeBytes { ByteLanes.load($0.baseAddress!, at: 0) }
                let expected = bytes.enumerated().reduce(UInt64(0)) { marks, lane in
                    special(Int(lane.element)) ? marks | UInt64(0x80) << (8 * lane.offset) : marks
                }
                if ByteLanes.jsonSpecial(word) != expected { Issue.record("\(bytes)"); return }
            }
        }
    }
}
