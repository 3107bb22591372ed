import AgentOpsKit

/// The client of one proxied call, looked at while the proxy waits for the API.
///
/// Left unwatched, a call whose client gave up held its connection's slot until the API
/// answered, for up to 10 minutes, unrecorded; 256 of them made every new call a 503
/// (hostile pass, round 13). A reset is a client gone. A client that sends no more
/// (its end of file) may have closed its socket, or only shut down its writing side
/// and still read (`nc -N` after its request): taken for gone at once, such a client
/// lost every answer (second hostile pass, round 13). So, while the answer's head is
/// awaited, it gets `halfCloseGrace` more for the head to come; once the answer flows,
/// only a reset counts (a client that left is found by the next write).
struct ClientWatch {
    /// How long a client that sends no more still waits for the answer's head, in
    /// microseconds.
    static let halfCloseGrace: Int64 = 5_000_000

    /// The client's socket.
    let fd: Int32
    /// When the client was seen to send no more.
    private var doneSendingAt: Int64?

    init(fd: Int32) { self.fd = fd }

    /// Whether the next wait for the head looks for the client's end of file (seen once,
    /// it would be reported at every wait).
    var watchesDoneSending: Bool { doneSendingAt == nil }

    /// At most how many milliseconds the next wait may take, of `limit`.
    func waitLimit(_ limit: Int32) -> Int32 {
        guard let at = doneSendingAt else { return limit }
        let left = (at + Self.halfCloseGrace - Clock.monotonicMicroseconds() + 999) / 1000
        return Int32(clamping: max(0, min(Int64(limit), left)))
    }

    /// Takes what a wait saw of the client.
    ///
    /// - Parameter head: whether the answer's head is still awaited.
    /// - Throws: `ProxyError.clientGone` for a reset, or once a client that sends no more
    ///   has waited out `halfCloseGrace` for the head.
    mutating func take(_ peer: Readiness.Peer, head: Bool) throws {
        switch peer {
        case .gone: throw ProxyError.clientGone
        case .doneSending where head && doneSendingAt == nil: doneSendingAt = Clock.monotonicMicroseconds()
        case .doneSending, .connected: break
        }
        if head, let at = doneSendingAt, Clock.monotonicMicroseconds() - at >= Self.halfCloseGrace {
            throw ProxyError.clientGone
        }
    }
}
