import Testing
@testable import AgentOpsKit

/// What a warning about the run's export calls its destination.
@Suite("Background export")
struct BackgroundExportTests {
    @Test("a warning names the backends the run exports to", arguments: [
        ([SyncState.exporter], "AgentOps API"),
        ([OTLPConfiguration.exporter], "OpenTelemetry collector"),
        ([SyncState.exporter, OTLPConfiguration.exporter], "AgentOps API and OpenTelemetry collector"),
        ([AgentOpsTransport.otlpExporter], "AgentOps API"),
    ])
    func destination(exporters: [String], expected: String) {
        #expect(BackgroundExport.destination(of: exporters) == expected)
    }
}
