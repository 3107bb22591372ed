/// Bounds on what one client can make a loopback server (the SDK listener, the LLM
/// proxy) do: how long it may take to send a request, how long it may stay idle, how
/// large its head and body may be, how many bytes of bodies all clients together may
/// have held at once, and how many connections may be open.
public struct LoopbackLimits: Sendable {
    /// Seconds from a request's first byte until it must have arrived whole (slowloris);
    /// beyond it the client gets 408. Only the request: answers are not timed by it.
    public var requestTimeout: Double = 10
    /// Seconds a kept-alive connection may wait for its next request.
    public var idleTimeout: Double = 30
    /// The idle timeout once more than half of `maxConnections` are open.
    public var busyIdleTimeout: Double = 1
    /// A head not complete within this many bytes is refused (431).
    public var maxHeadBytes = 64 << 10
    /// No request body larger than this is read (413).
    public var maxBodyBytes = 32 << 20
    /// Bytes of bodies being read or answered at once, over all connections (503 beyond).
    public var bodyBudget = 32 << 20
    /// Connections served at once: a new one beyond takes the place of the oldest idle
    /// one, or gets 503 when none is idle.
    public var maxConnections = 32
    /// After refusing a request whose body is still coming (413, 503, …), how long and
    /// how many bytes of it are read and thrown away so that the answer is not lost to a
    /// reset (`ClientConnection.linger`).
    public var lingerSeconds: Double = 2
    public var lingerBytes = 64 << 20

    /// The SDK listener's limits.
    public init() {}
}
