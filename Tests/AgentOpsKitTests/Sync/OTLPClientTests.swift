import Testing
@testable import AgentOpsSync

@Suite("OTLP client")
struct OTLPClientTests {
    @Test("a refusal's reason: google.rpc.Status in protobuf or JSON, FastAPI's detail, Phoenix's plain text")
    func statusMessage() {
        // google.rpc.Status { code: 3, message: "bad span" }
        let status: [UInt8] = [0x08, 0x03, 0x12, 0x08] + Array("bad span".utf8)
        #expect(OTLPClient.statusMessage(status, contentType: "application/x-protobuf") == "bad span")
        #expect(OTLPClient.statusMessage(Array(#"{"code":3,"message":"bad span"}"#.utf8),
                                         contentType: "application/json") == "bad span")
        #expect(OTLPClient.statusMessage(Array(#"{"detail":"Request body is invalid"}"#.utf8),
                                         contentType: "application/json") == "Request body is invalid")
        // Arize Phoenix's 415: read as protobuf, its text would be garbage or nothing.
        let phoenix = Array("Unsupported content type: application/json".utf8)
        #expect(OTLPClient.statusMessage(phoenix, contentType: "text/plain; charset=utf-8")
            == "Unsupported content type: application/json")
        #expect(OTLPClient.statusMessage(phoenix, contentType: nil) == "Unsupported content type: application/json")
        #expect(OTLPClient.statusMessage([0x12, 0x05, 0xff], contentType: nil) == nil)
    }
}
