import Testing
@testable import AgentOpsKit

@Suite("Listener environment")
struct ListenerEnvironmentTests {
    static let session = SessionID("00000000-0000-4000-8000-000000000002")!

    @Test("offering the listener hides the real settings, and upstream gives them back")
    func roundTrip() {
        let real = ["AGENTOPS_API_ENDPOINT": "https://api.example", "AGENTOPS_API_KEY": "user-key", "PATH": "/bin"]
        let offered = ListenerEnvironment.offering("http://127.0.0.1:5", session: Self.session, key: "run-key", perRunKey: true,
                                                   upstreamEnvironment: real)
        #expect(offered["AGENTOPS_API_ENDPOINT"] == "http://127.0.0.1:5")
        #expect(offered["AGENTOPS_API_KEY"] == "run-key")
        #expect(ListenerEnvironment.upstream(offered)["AGENTOPS_API_ENDPOINT"] == "https://api.example")
        #expect(ListenerEnvironment.upstream(offered)["AGENTOPS_API_KEY"] == nil)
        #expect(ListenerEnvironment.upstream(offered)["PATH"] == "/bin")
    }

    @Test("with the user's own key, upstream keeps it; no endpoint before means none after")
    func userKey() {
        let offered = ListenerEnvironment.offering("http://127.0.0.1:5", session: Self.session, key: "user-key", perRunKey: false,
                                                   upstreamEnvironment: ["AGENTOPS_API_KEY": "user-key"])
        let upstream = ListenerEnvironment.upstream(offered)
        #expect(upstream["AGENTOPS_API_KEY"] == "user-key")
        #expect(upstream["AGENTOPS_API_ENDPOINT"] == nil)
    }

    @Test("a nested run sees the outer listener only for the same session")
    func offersForSession() {
        var environment = ListenerEnvironment.offering("http://127.0.0.1:5", session: Self.session, key: "k", perRunKey: true,
                                                       upstreamEnvironment: [:])
        environment["AGENTOPS_SESSION_ID"] = Self.session.value
        #expect(ListenerEnvironment.offersListener(for: Self.session, in: environment))
        #expect(!ListenerEnvironment.offersListener(for: .random(), in: environment))
    }
}
