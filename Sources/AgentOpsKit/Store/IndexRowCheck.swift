/// The CRC-32 that ends every row of the session index (`,"crc32":N}`), over the bytes
/// of the row before it, so that a row edited by hand or damaged in place is a miss.
///
/// A row is trusted while its log's key (size, times, inode) is unchanged, and an edit
/// of `session-index.jsonl` changes none of that: a `recorded_cost` or `start_us` typed
/// over, a digit flipped on disk, was read as the truth, moving a session in the list
/// and changing the footer's total. The check is what the key cannot be: a property of
/// the row's own bytes. CRC-32 finds every change of up to 32 bits in a row for sure
/// (any one edited number among them), costs about a byte per cycle (slicing by 8,
/// `Checksum.crc32`), and fits the row as a plain JSON number, so the JSON reader of
/// unusual rows reads past it. It guards against mistakes, not against someone who
/// recomputes it: they could as well edit the logs, which are the truth.
enum IndexRowCheck {
    private static let marker: StaticString = ",\"crc32\":"

    /// Closes the row begun at `start` of `bytes` (a JSON object without its closing
    /// brace) with its check.
    static func seal(_ bytes: inout [UInt8], from start: Int) {
        let crc = bytes.withUnsafeBytes { Checksum.crc32(UnsafeRawBufferPointer(rebasing: $0[start...])) }
        bytes.append(contentsOf: UnsafeBufferPointer(start: marker.utf8Start, count: marker.utf8CodeUnitCount))
        bytes.append(contentsOf: String(crc).utf8)
        bytes.append(UInt8(ascii: "}"))
    }

    /// The part of the row at `line` of `bytes` that its check covers (the object
    /// without its check and closing brace), when the row ends in a check that holds;
    /// nil otherwise.
    static func body(_ bytes: UnsafeBufferPointer<UInt8>, line: Range<Int>) -> Range<Int>? {
        guard let (body, value) = split(bytes, line: line) else { return nil }
        let crc = Checksum.crc32(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[body])))
        return value == UInt64(crc) ? body : nil
    }

    /// The part of a row its check covers, for a row whose check held when it was read
    /// (`body`): found, not computed again. Compaction moves rows that listing checked
    /// a moment before, from the very bytes it checked; nil when the row has no check
    /// where the writer puts it.
    static func checkedBody(_ bytes: UnsafeBufferPointer<UInt8>, line: Range<Int>) -> Range<Int>? {
        split(bytes, line: line)?.body
    }

    /// The row at `line` split into what its check covers and the check's value, when it
    /// ends in one as `seal` writes it (at most 10 digits, no leading zero).
    private static func split(_ bytes: UnsafeBufferPointer<UInt8>, line: Range<Int>)
        -> (body: Range<Int>, value: UInt64)? {
        let markerCount = marker.utf8CodeUnitCount
        // At least `{`, the marker, one digit and `}`.
        guard line.count >= markerCount + 3, bytes[line.upperBound - 1] == UInt8(ascii: "}") else { return nil }
        let digitsEnd = line.upperBound - 1
        var first = digitsEnd
        // At most 10 digits: 4294967295.
        while first > line.lowerBound, digitsEnd - first < 10, bytes[first - 1] &- 0x30 < 10 { first -= 1 }
        let bodyEnd = first - markerCount
        guard first < digitsEnd, bodyEnd > line.lowerBound,
              digitsEnd - first == 1 || bytes[first] != UInt8(ascii: "0"),
              ByteSearch.equal(bytes.baseAddress! + bodyEnd, marker.utf8Start, count: markerCount) else { return nil }
        var value: UInt64 = 0
        for index in first..<digitsEnd { value = value * 10 + UInt64(bytes[index] - 0x30) }
        return (line.lowerBound..<bodyEnd, value)
    }
}
