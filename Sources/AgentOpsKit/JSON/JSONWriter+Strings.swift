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
    /// waits for (BENCHMARKS.md, round 5).
    static func writeString(bytes: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        let start = out.count
        let room = bytes.count + bytes.count / 4 + 8
        appendRoom(room + 2, to: &out)
        let written = out.withUnsafeMutableBytes { buffer in
            writeQuoted(bytes, to: buffer.baseAddress! + start, limit: room)
        }
        if let written {
            out.removeLast(room + 2 - written)
            return
        }
        out.removeLast(room + 2)
        let total = bytes.count + escapedExtra(bytes) + 2
        appendRoom(total, to: &out)
        out.withUnsafeMutableBytes { buffer in
            _ = writeQuoted(bytes, to: buffer.baseAddress! + start, limit: Int.max)
        }
    }

    /// Appends `count` bytes of room to `out`. A big string is most of its record: room
    /// for the rest of the record too, or its next small append doubles the buffer and
    /// copies the string once more.
    private static func appendRoom(_ count: Int, to out: inout [UInt8]) {
        if count > 4096, out.capacity < out.count + count + 1024 { out.reserveCapacity(out.count + count + 1024) }
        out.append(contentsOf: repeatElement(0, count: count))
    }

    /// Writes `bytes` quoted and escaped at `target`, whose room is `limit` bytes beyond
    /// the two quotes (`Int.max`: room for the whole escaped string, `escapedExtra`).
    ///
    /// - Returns: how many bytes were written, or nil when the escapes need more room.
    private static func writeQuoted(_ bytes: UnsafeRawBufferPointer, to target: UnsafeMutableRawPointer,
                                    limit: Int) -> Int? {
        target.storeBytes(of: UInt8(ascii: "\""), as: UInt8.self)
        var written = 0
        if let source = bytes.baseAddress {
            guard let end = writeEscaped(source, count: bytes.count, to: target + 1, limit: limit) else { return nil }
            written = end
        }
        target.storeBytes(of: UInt8(ascii: "\""), toByteOffset: written + 1, as: UInt8.self)
        return written + 2
    }

    /// Copies `count` bytes at `source` to `target`, escaped, within `limit` bytes. A
    /// word is stored whole even when only its first bytes are clean: the next store
    /// overwrites the rest, and the target has room, since it is at least as long as
    /// what is left of the source (with an exact `limit`, `Int.max`), or the word fits
    /// within `limit` (checked before each store).
    ///
    /// - Returns: how many bytes were written, or nil when they would pass `limit`.
    private static func writeEscaped(_ source: UnsafeRawPointer, count: Int, to target: UnsafeMutableRawPointer,
                                     limit: Int) -> Int? {
        var written = 0
        var index = 0
        while index + 8 <= count {
            // A word, then at most an escape of six after at most seven clean bytes.
            guard written <= limit - 13 else { return nil }
            let word = source.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            let special = ByteLanes.jsonSpecial(UInt64(littleEndian: word))
            target.storeBytes(of: word, toByteOffset: written, as: UInt64.self)
            guard special != 0 else {
                written += 8
                index += 8
                continue
            }
            let clean = special.trailingZeroBitCount >> 3
            written += clean
            index += clean
            let byte = source.load(fromByteOffset: index, as: UInt8.self)
            // Newlines first, without the switch: its jump through a table mispredicted
            // at most of them in captured output.
            if byte == 0x0A {
                target.storeBytes(of: UInt16(0x6E5C).littleEndian, toByteOffset: written, as: UInt16.self)
                written += 2
            } else {
                written = escape(byte, to: target, at: written)
            }
            index += 1
        }
        while index < count {
            guard written <= limit - 6 else { return nil }
            let byte = source.load(fromByteOffset: index, as: UInt8.self)
            if byte >= 0x20, byte != 0x22, byte != 0x5C {
                target.storeBytes(of: byte, toByteOffset: written, as: UInt8.self)
                written += 1
            } else {
                written = escape(byte, to: target, at: written)
            }
            index += 1
        }
        return written
    }

    /// Writes the escape of `byte` (a quote, a backslash or a control character).
    @inline(__always)
    private static func escape(_ byte: UInt8, to target: UnsafeMutableRawPointer, at written: Int) -> Int {
        func put(_ value: UInt8, _ offset: Int) {
            target.storeBytes(of: value, toByteOffset: written + offset, as: UInt8.self)
        }
        put(0x5C, 0)
        switch byte {
        case 0x22, 0x5C: put(byte, 1)
        case 0x0A: put(UInt8(ascii: "n"), 1)
        case 0x0D: put(UInt8(ascii: "r"), 1)
        case 0x09: put(UInt8(ascii: "t"), 1)
        default:
            let hex: StaticString = "0123456789abcdef"
            put(UInt8(ascii: "u"), 1)
            put(UInt8(ascii: "0"), 2)
            put(UInt8(ascii: "0"), 3)
            put(hex.utf8Start[Int(byte >> 4)], 4)
            put(hex.utf8Start[Int(byte & 0xF)], 5)
            return written + 6
        }
        return written + 2
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
