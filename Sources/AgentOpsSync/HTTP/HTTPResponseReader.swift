import AgentOpsKit
import Foundation

/// Reads one HTTP/1.x response from the bytes of a connection as they arrive, in any
/// split: the head, then the body framed by `Transfer-Encoding: chunked`,
/// `Content-Length`, or the end of the connection. Pure, so every framing, split and
/// malformed answer is unit tested; bad input is an error, never a trap, and the body
/// it keeps is bounded.
struct HTTPResponseReader {
    /// Why a response cannot be read; the text goes into the exporters' warnings.
    enum Problem: Error, Equatable, CustomStringConvertible {
        /// The head is not HTTP (or over 64 KiB).
        case malformedHead(String)
        /// `Content-Length` is not a plain decimal number, or two disagree.
        case badLength
        /// `Transfer-Encoding` names a coding other than `chunked` alone.
        case badCoding
        /// The chunked framing is broken.
        case malformedChunks
        /// The body is longer than the reader keeps.
        case tooLarge(limit: Int)
        /// The connection ended before the response did.
        case cutOff

        var description: String {
            switch self {
            case let .malformedHead(why): return "malformed HTTP answer (\(why))"
            case .badLength: return "malformed HTTP answer (Content-Length)"
            case .badCoding: return "malformed HTTP answer (Transfer-Encoding)"
            case .malformedChunks: return "malformed HTTP answer (chunked body)"
            case let .tooLarge(limit): return "HTTP answer over \(limit >> 20) MiB"
            case .cutOff: return "connection lost"
            }
        }
    }

    private enum Framing {
        case head
        case length(left: Int)
        case chunked(HTTPChunked.Decoder)
        case untilClose
        case complete
    }

    /// The response's status, once its head was read (interim 1xx answers skipped).
    private(set) var status = 0
    /// Its header fields, names as sent.
    private(set) var fields: [(name: String, value: String)] = []
    /// Its body so far.
    private(set) var body: [UInt8] = []
    /// Whether any byte arrived: a kept-alive connection that ends before one did was
    /// closed by the server while idle, and the request may go again on a fresh one.
    private(set) var receivedAny = false
    /// Whether bytes came after the end of the response (the connection is out of step).
    private(set) var hasExcess = false

    private var framing = Framing.head
    private var pending: [UInt8] = []
    private let maxBodyBytes: Int
    private let method: String

    /// A reader of the answer to a request with `method`.
    ///
    /// - Parameter maxBodyBytes: a longer body is `Problem.tooLarge` (the exporters'
    ///   answers are a few hundred bytes).
    init(method: String, maxBodyBytes: Int = 4 << 20) {
        self.maxBodyBytes = maxBodyBytes
        self.method = method
    }

    /// Whether the whole response was read.
    var isComplete: Bool { if case .complete = framing { true } else { false } }

    /// Whether the connection may carry another request: HTTP/1.1 unless the server said
    /// `close`, HTTP/1.0 only with `keep-alive`; never after a body framed by the close.
    var keepsAlive: Bool {
        guard isComplete, !hasExcess, !closesAtEnd else { return false }
        return HTTPHead.keepsAlive(version: version, connection: field("connection"))
    }

    /// The first field named `name`, case-insensitively.
    func field(_ name: String) -> String? {
        fields.value(named: name)
    }

    private var version = ""
    private var closesAtEnd = false

    /// Takes the next bytes read from the connection.
    mutating func feed(_ bytes: ArraySlice<UInt8>) throws(Problem) {
        guard !bytes.isEmpty else { return }
        receivedAny = true
        var input = bytes
        while !input.isEmpty {
            switch framing {
            case .head:
                pending.append(contentsOf: input)
                input = []
                try readHead()
                if case .head = framing { break }
                // What followed the head is the body's first bytes.
                input = pending[...]
                pending = []
            case let .length(left):
                let take = min(left, input.count)
                try keep(input.prefix(take))
                input = input.dropFirst(take)
                framing = left - take == 0 ? .complete : .length(left: left - take)
            case var .chunked(decoder):
                let output = decoder.feed(input)
                // Bytes after the last chunk go on to `.complete`, which counts them as excess.
                input = input.suffix(decoder.unconsumed)
                guard !decoder.isMalformed else { throw .malformedChunks }
                try keep(output[...])
                framing = decoder.isFinished ? .complete : .chunked(decoder)
            case .untilClose:
                try keep(input)
                input = []
            case .complete:
                hasExcess = true
                input = []
            }
        }
    }

    /// The connection ended (the peer closed its side): a body framed by the close is
    /// complete; any other unfinished response was cut off.
    mutating func endOfStream() throws(Problem) {
        switch framing {
        case .complete: return
        case .untilClose: framing = .complete
        default: throw .cutOff
        }
    }

    /// Parses the head once it is whole, skipping interim 1xx answers, and sets the
    /// body's framing (RFC 9112 §6.3: chunked before a length, no body for 204 and 304).
    private mutating func readHead() throws(Problem) {
        while case .head = framing {
            switch HTTPHead.parse(pending[...]) {
            case .incomplete:
                // A peer that is not an HTTP server (an SSH banner, a line of text with
                // no blank line after it) is told at its first bytes, not at the timeout.
                guard Self.mayStartStatusLine(pending) else { throw .malformedHead("status line") }
                return
            case .tooLarge:
                throw .malformedHead("head over \(HTTPHead.maxBytes >> 10) KiB")
            case let .malformed(why):
                throw .malformedHead(why)
            case let .head(head, length):
                pending.removeFirst(length)
                guard let status = head.status else { throw .malformedHead("status line") }
                if status < 200 { continue }
                (self.status, self.version, fields) = (status, head.version, head.fields)
                try frame(head)
            }
        }
    }

    /// Whether `bytes`, the start of a head, can still become `HTTP/…`: empty lines
    /// first are allowed, as `HTTPHead.parse` skips them.
    static func mayStartStatusLine(_ bytes: [UInt8]) -> Bool {
        let start = bytes.firstIndex { $0 != 0x0D && $0 != 0x0A } ?? bytes.endIndex
        let prefix = Array("HTTP/".utf8)
        return zip(bytes[start...], prefix).allSatisfy { $0 == $1 }
    }

    private mutating func frame(_ head: HTTPHead) throws(Problem) {
        let decided: HTTPHead.BodyFraming
        do {
            decided = try head.responseFraming(status: status, method: method)
        } catch {
            switch error.reason {
            case .length: throw .badLength
            case .coding, .lengthAndCoding: throw .badCoding
            }
        }
        switch decided {
        case .length(0):
            framing = .complete
        case let .length(length):
            guard length <= maxBodyBytes else { throw .tooLarge(limit: maxBodyBytes) }
            body.reserveCapacity(length)
            framing = .length(left: length)
        case .chunked:
            framing = .chunked(HTTPChunked.Decoder())
        case .untilClose:
            closesAtEnd = true
            framing = .untilClose
        }
    }

    private mutating func keep(_ bytes: ArraySlice<UInt8>) throws(Problem) {
        guard bytes.count <= maxBodyBytes - body.count else { throw .tooLarge(limit: maxBodyBytes) }
        body.append(contentsOf: bytes)
    }
}
