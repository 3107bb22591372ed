extension JSONWriter {
    /// Appends `s` as a quoted JSON string. Swift strings are valid Unicode, so only
    /// quotes, backslashes and control characters need escaping.
    ///
    /// Captured output reaches here as megabyte strings with a `\n` every few bytes (20 M
    /// short lines are 15 MiB of them), so this is the per-byte cost of recording a flood.
    /// It works eight bytes at a time, copying each clean run as whole words straight
    /// into the reserved end of `out` and escaping only the bytes that need it. Byte by
    /// byte, the branch on every byte mispredicted at each newline and took 18% of the
    /// wrapper's time.
    public static func writeString(_ s: String, into out: inout [UInt8]) {
        var s = s
        s.withUTF8 { writeString(bytes: UnsafeRawBufferPointer($0), into: &out) }
    }

    /// Appends the UTF-8 `bytes` as a quoted JSON string (they must be valid UTF-8).
    ///
    /// One pass in the usual case: the escapes are written into room for one escape in
    /// four bytes (a flood of `seq` output has one in nine), and only a string that needs
    /// more is counted first and written again. Counting every string first was a third
    /// of the time to encode a captured flood's last event, which agentops-run's exit
    /// waits for (BENCHMARKS.md, round 5). Both passes leave `storeSlack` bytes spare
    /// past the room, so that the word loop can store whole words and escapes unchecked.
    static func writeString(bytes: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        let start = out.count
        let room = bytes.count + bytes.count / 4 + 8 + storeSlack
        appendRoom(room + 1, to: &out)
        let written = out.withUnsafeMutableBytes { buffer in
            writeQuoted(bytes, to: buffer.baseAddress! + start, room: room)
        }
        if let written {
            out.removeLast(room + 1 - written)
            return
        }
        out.removeLast(room + 1)
        // The exact length plus the slack: the loop's room check cannot fail.
        let total = bytes.count + escapedExtra(bytes) + 2
        appendRoom(total + storeSlack, to: &out)
        out.withUnsafeMutableBytes { buffer in
            _ = writeQuoted(bytes, to: buffer.baseAddress! + start, room: total - 1 + storeSlack)
        }
        out.removeLast(storeSlack)
    }

    /// Bytes of room two words of eight escapes can take beyond the room check: the
    /// first grows to 48 bytes, the second's stores reach 56 past where it starts.
    private static let storeSlack = 104

    /// Appends `count` bytes of room to `out`. A big string is most of its record: room
    /// for the rest of the record too, or its next small append doubles the buffer and
    /// copies the string once more.
    ///
    /// Small room is copied from `zeros` (one `memcpy`): filled element by element, the
    /// room and slack of a short string cost more than escaping it.
    private static func appendRoom(_ count: Int, to out: inout [UInt8]) {
        if count <= zeros.count { return out.append(contentsOf: zeros[..<count]) }
        if out.capacity < out.count + count + 1024 { out.reserveCapacity(out.count + count + 1024) }
        out.append(contentsOf: repeatElement(0, count: count))
    }

    /// Room for strings up to about 3 KiB.
    private static let zeros = [UInt8](repeating: 0, count: 4096)

    /// Writes `bytes` quoted and escaped at `target`, which has `room` bytes after the
    /// opening quote (the closing quote included).
    ///
    /// - Returns: how many bytes were written, or nil when the escapes need more room.
    private static func writeQuoted(_ bytes: UnsafeRawBufferPointer, to target: UnsafeMutableRawPointer,
                                    room: Int) -> Int? {
        target.storeBytes(of: UInt8(ascii: "\""), as: UInt8.self)
        var written = 0
        if let source = bytes.baseAddress {
            guard let end = writeEscaped(source, count: bytes.count, to: target + 1, room: room) else { return nil }
            written = end
        }
        target.storeBytes(of: UInt8(ascii: "\""), toByteOffset: written + 1, as: UInt8.self)
        return written + 2
    }

    /// Copies `count` bytes at `source` to `target`, escaped, storing nothing past `room`
    /// bytes and keeping at least two of them after what it returns (the closing quote).
    ///
    /// Two words a turn: a word is stored whole, then each byte in it that needs an
    /// escape is written over with its escape (eight bytes of `escapes`: the text, then
    /// its length) followed by the rest of the word, so a word with a newline in it costs
    /// one turn, not one for the part before the newline and one for the part after it
    /// (`seq` output has one a word). Stores may run past what is kept: the next store
    /// writes over that, or the caller trims it. A word grows to at most 48 bytes and its
    /// stores reach 56 past where it starts, so a turn's reach 104: `storeSlack`, the
    /// room each turn checks for. The bytes after the last whole word go one by one.
    ///
    /// - Returns: how many bytes were written, or nil when they would not fit in `room`.
    private static func writeEscaped(_ source: UnsafeRawPointer, count: Int, to target: UnsafeMutableRawPointer,
                                     room: Int) -> Int? {
        escapes.withUnsafeBufferPointer { escapes in
            /// Stores `word` (from `source + index`) at `written`, then writes the escapes of
            /// its `special` lanes over it, each followed by the rest of the word.
            @inline(__always) func put(_ word: UInt64, _ special: UInt64, from index: Int, at written: Int) -> Int {
                target.storeBytes(of: word.littleEndian, toByteOffset: written, as: UInt64.self)
                // Where the word's first byte would be had its escapes so far been
                // written before it: lane `n` goes to `shifted + n`.
                var shifted = written
                var special = special
                while special != 0 {
                    let bit = special.trailingZeroBitCount
                    let lane = bit &>> 3
                    let byte = source.load(fromByteOffset: index &+ lane, as: UInt8.self)
                    // Newlines without the table: one less load on the path of most
                    // escapes in captured output.
                    if byte == 0x0A {
                        target.storeBytes(of: UInt16(0x6E5C).littleEndian, toByteOffset: shifted &+ lane,
                                          as: UInt16.self)
                        shifted &+= 1
                    } else {
                        let escape = escapes[Int(byte)]
                        target.storeBytes(of: escape.littleEndian, toByteOffset: shifted &+ lane, as: UInt64.self)
                        shifted &+= Int(truncatingIfNeeded: escape &>> 56) &- 1
                    }
                    // The rest of the word after the lane. After the last lane the shift
                    // wraps to zero and stores the word once more past the end of what is
                    // kept: within the slack, and cheaper than a branch.
                    target.storeBytes(of: (word &>> UInt64((bit | 7) &+ 1)).littleEndian,
                                      toByteOffset: shifted &+ lane &+ 1, as: UInt64.self)
                    special &= special &- 1
                }
                return shifted &+ 8
            }
            var written = 0
            var index = 0
            let pairRoom = room &- storeSlack
            // Two words a turn: in prose most pairs are clean, and one test covers both.
            while index &+ 16 <= count {
                guard written <= pairRoom else { return nil }
                let first = ByteLanes.load(source, at: index)
                let second = ByteLanes.load(source, at: index &+ 8)
                let firstSpecial = ByteLanes.jsonSpecial(first)
                let secondSpecial = ByteLanes.jsonSpecial(second)
                if firstSpecial | secondSpecial == 0 {
                    target.storeBytes(of: first.littleEndian, toByteOffset: written, as: UInt64.self)
                    target.storeBytes(of: second.littleEndian, toByteOffset: written &+ 8, as: UInt64.self)
                    written &+= 16
                } else {
                    written = put(first, firstSpecial, from: index, at: written)
                    written = put(second, secondSpecial, from: index &+ 8, at: written)
                }
                index &+= 16
            }
            if index &+ 8 <= count {
                guard written <= pairRoom else { return nil }
                let word = ByteLanes.load(source, at: index)
                written = put(word, ByteLanes.jsonSpecial(word), from: index, at: written)
                index &+= 8
            }
            while index < count {
                guard written &+ 8 <= room else { return nil }
                let escape = escapes[Int(source.load(fromByteOffset: index, as: UInt8.self))]
                target.storeBytes(of: escape.littleEndian, toByteOffset: written, as: UInt64.self)
                written &+= Int(truncatingIfNeeded: escape &>> 56)
                index &+= 1
            }
            return written
        }
    }

    /// Each byte as it is written inside a JSON string, eight bytes a byte: the text in
    /// the low lanes, its length in the top lane. Quotes, backslashes and control
    /// characters get their escapes (`\n`, `\r`, `\t`, `\"`, `\\`, else `\u00XX`); every
    /// other byte, multi-byte UTF-8 included, stands for itself.
    private static let escapes: [UInt64] = (0...255).map { (byte: Int) -> UInt64 in
        func text(_ bytes: [UInt8]) -> UInt64 {
            bytes.enumerated().reduce(UInt64(bytes.count) << 56) { $0 | UInt64($1.element) << (8 * $1.offset) }
        }
        let hex = Array("0123456789abcdef".utf8)
        switch byte {
        case 0x22, 0x5C: return text([0x5C, UInt8(byte)])
        case 0x0A: return text(Array(#"\n"#.utf8))
        case 0x0D: return text(Array(#"\r"#.utf8))
        case 0x09: return text(Array(#"\t"#.utf8))
        case 0..<0x20: return text(Array(#"\u00"#.utf8) + [hex[byte >> 4], hex[byte & 0xF]])
        default: return text([UInt8(byte)])
        }
    }

    /// How many bytes escaping `bytes` adds: one for `\n`, `\r`, `\t`, a quote or a
    /// backslash (a two-byte escape), five for other control characters (`\u00XX`).
    static func escapedExtra(_ bytes: UnsafeRawBufferPointer) -> Int {
        guard let base = bytes.baseAddress else { return 0 }
        var extra = 0
        var index = 0
        while index + 8 <= bytes.count {
            let word = ByteLanes.load(base, at: index)
            index += 8
            let special = ByteLanes.jsonSpecial(word)
            guard special != 0 else { continue }
            extra += ByteLanes.count(special)
            let controls = ByteLanes.zero(word & ByteLanes.repeated(0xE0))
            guard controls != 0 else { continue }
            let short = ByteLanes.equal(word, 0x0A) | ByteLanes.equal(word, 0x0D) | ByteLanes.equal(word, 0x09)
            extra += 4 * ByteLanes.count(controls & ~short)
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x22 || byte == 0x5C || byte == 0x0A || byte == 0x0D || byte == 0x09 {
                extra += 1
            } else if byte < 0x20 {
                extra += 5
            }
            index += 1
        }
        return extra
    }
}
