/// Decides whether a run offers its command a loopback endpoint for the AgentOps SDK and
/// OpenTelemetry, and if so binds it and builds the command's environment around it.
enum SDKListenerOffer {
    /// A listener offered to the command.
    struct Offered {
        let listener: LoopbackListener
        /// Its routes, for what they saw once it stopped.
        let router: ListenerRouter
    }

    /// The listener (nil when none is offered) and the command's environment.
    ///
    /// None is offered with `--no-listener` (the environment stays `given`), or when an
    /// outer run's listener already serves `session` (it records into the same one).
    ///
    /// - Parameters:
    ///   - given: the environment agentops-run was started with.
    ///   - upstream: the same with an outer listener's settings undone.
    ///   - apiKey: the user's valid API key, which the listener then accepts; without
    ///     one it accepts a key made for this run.
    static func make(session: SessionID, options: RunOptions, given: [String: String], upstream: [String: String],
                     apiKey: String?, recorder: Recorder, sessionPath: String, prices: PriceTable,
                     console: Console) -> (Offered?, [String: String]) {
        // Without a listener the caller still adds to the environment: a copy of its
        // own (`copiedWithRoom` says why not a copy on write).
        guard !options.noListener, !ListenerEnvironment.offersListener(for: session, in: given) else {
            return (nil, given.copiedWithRoom(for: 4))
        }
        let key = apiKey ?? newEventID()
        let router = ListenerRouter(
            sdk: SDKEndpoint(sessionID: session, key: key, recorder: recorder, sessionPath: sessionPath, prices: prices),
            otlp: OTLPEndpoint(sessionID: session, recorder: recorder))
        var limits = LoopbackListener.Limits()
        // Checked before the run started (`RunOptions.checkEnvironment`).
        if let seconds = try? RunOptions.listenerTimeout(upstream) { limits.requestTimeout = seconds }
        do {
            let listener = try LoopbackListener(handler: router, limits: limits)
            if let own = ListenerEnvironment.userOTLPEndpoint(upstream) {
                // Diverting it would silently take the user's telemetry from where they sent it.
                console.warning("\(own) is set: OpenTelemetry spans go there and are not recorded in the session "
                    + "(unset it to record them)")
            }
            return (Offered(listener: listener, router: router),
                    ListenerEnvironment.offering(listener.endpoint, session: session, key: key,
                                                 perRunKey: apiKey == nil, upstreamEnvironment: upstream))
        } catch {
            console.warning("the AgentOps SDK listener could not start (\(error)); the command runs without it")
            return (nil, given.copiedWithRoom(for: 4))
        }
    }
}
