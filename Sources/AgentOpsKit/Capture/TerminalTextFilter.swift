/// Turns what a program writes to a terminal into readable lines for the record.
///
/// The pass-through is untouched; only the recorded copy goes through this. Escape
/// sequences (CSI, OSC, DCS and the two- and three-byte ones) are removed, `\r\n`
/// becomes `\n`, a lone `\r` (a progress line redrawn in place) and a cursor jump
/// to another row or a screen clear (full-screen drawing) start a new line, a
/// cursor move to the right becomes a space, backspace removes the byte before it,
/// and the other control characters are dropped. Best effort: a full-screen program's
/// screens come out as the text of each row it drew, in drawing order.
///
/// Sequences split across reads are handled: the state carries over between chunks.
struct TerminalTextFilter {
    private enum State {
        case text
        case escape
        /// ESC ( B and its kind: one more byte.
        case escapeArgument
        case controlSequence
        /// OSC, DCS, SOS, PM, APC: until BEL or ESC \.
        case string
        case stringEscape
    }

    private var state = State.text
    private var pendingReturn = false
    /// Whether the last byte produced was a line break (or nothing was produced yet).
    private var atLineStart = true

    /// The readable text of `chunk`.
    mutating func filter(_ chunk: UnsafeRawBufferPointer) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(chunk.count)
        func newline() {
            if !atLineStart { out.append(0x0A) }
            atLineStart = true
        }
        for byte in chunk {
            switch state {
            case .text:
                if pendingReturn {
                    pendingReturn = false
                    if byte == 0x0A {
                        out.append(0x0A)
                        atLineStart = true
                        continue
                    }
                    newline()
                }
                switch byte {
                case 0x1B: state = .escape
                case 0x0D: pendingReturn = true
                case 0x0A:
                    out.append(0x0A)
                    atLineStart = true
                case 0x09:
                    out.append(byte)
                    atLineStart = false
                case 0x08:
                    if let last = out.last, last != 0x0A { out.removeLast() }
                case 0x00..<0x20, 0x7F:
                    break
                default:
                    out.append(byte)
                    atLineStart = false
                }
            case .escape:
                switch byte {
                case UInt8(ascii: "["): state = .controlSequence
                case UInt8(ascii: "]"), UInt8(ascii: "P"), UInt8(ascii: "X"), UInt8(ascii: "^"), UInt8(ascii: "_"):
                    state = .string
                case 0x20...0x2F: state = .escapeArgument
                default: state = .text
                }
            case .escapeArgument:
                state = .text
            case .controlSequence:
                guard byte >= 0x40, byte <= 0x7E else { continue }
                state = .text
                switch byte {
                // Cursor to a row (H, f, d), to another line (E, F, A, B), screen clear (J).
                case UInt8(ascii: "H"), UInt8(ascii: "f"), UInt8(ascii: "d"), UInt8(ascii: "J"),
                     UInt8(ascii: "E"), UInt8(ascii: "F"), UInt8(ascii: "A"), UInt8(ascii: "B"):
                    newline()
                case UInt8(ascii: "C"):
                    if !atLineStart { out.append(0x20) }
                default:
                    break
                }
            case .string:
                if byte == 0x07 { state = .text } else if byte == 0x1B { state = .stringEscape }
            case .stringEscape:
                state = byte == UInt8(ascii: "\\") ? .text : .string
            }
        }
        return out
    }
}
