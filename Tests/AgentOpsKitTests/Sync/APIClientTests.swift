import Foundation
import FoundationNetworking
import Testing
@testable import AgentOpsKit
@testable import AgentOpsSync

@Suite("API client and configuration")
struct APIClientTests {
    static func response(_ status: Int, headers: [String: String] = [:]) -> URLResponse {
        HTTPURLResponse(url: URL(string: "https://api.example/v2")!, statusCode: status, httpVersion: "HTTP/1.1",
                        headerFields: headers)!
    }

    @Test("2xx is ok; 401 re-authorises; 408, 429 and 5xx retry (with Retry-After); other 4xx fail")
    func classify() {
        if case .ok = APIClient.classify(.init(data: Data(), response: Self.response(200), error: nil)) {} else {
            Issue.record("200 is not ok")
        }
        if case .unauthorized = APIClient.classify(.init(data: nil, response: Self.response(401), error: nil)) {} else {
            Issue.record("401 is not unauthorized")
        }
        for status in [408, 429, 500, 503] {
            guard case let .retry(_, after) = APIClient.classify(.init(data: nil, response: Self.response(
                status, headers: ["Retry-After": "7"]), error: nil)) else {
                Issue.record("\(status) is not retried")
                continue
            }
            #expect(after == 7)
        }
        let body = Data(#"{"message":"bad session"}"#.utf8)
        guard case let .fail(reason) = APIClient.classify(.init(data: body, response: Self.response(400), error: nil)) else {
            Issue.record("400 is not a failure")
            return
        }
        #expect(reason == "HTTP 400: bad session")
        if case .retry = APIClient.classify(.init(data: nil, response: nil, error: URLError(.cannotConnectToHost))) {} else {
            Issue.record("a refused connection is not retried")
        }
        // Through URLSession (https://): an answer libcurl could not parse is final; its
        // "weird server reply" comes as .unknown, with other failures, and stays retried.
        let unparsed = APIClient.classify(.init(data: nil, response: nil, error: URLError(.cannotParseResponse)))
        guard case let .malformed(why) = unparsed else {
            Issue.record("an unparsable answer is retried: \(unparsed)")
            return
        }
        #expect(why == "malformed HTTP answer")
        if case .retry = APIClient.classify(.init(data: nil, response: nil, error: URLError(.unknown))) {} else {
            Issue.record("an unknown URLSession error is not retried")
        }
        // TLS failures come as .unknown with libcurl's words: a certificate that is not
        // trusted is final and named; a handshake that broke off is retried, and named.
        func curl(_ words: String) -> URLError { URLError(.unknown, userInfo: [NSLocalizedDescriptionKey: words]) }
        let untrusted = APIClient.classify(.init(data: nil, response: nil,
                                                 error: curl("SSL certificate problem: self-signed certificate")))
        guard case let .malformed(certificate) = untrusted else {
            Issue.record("an untrusted certificate is retried: \(untrusted)")
            return
        }
        #expect(certificate == "SSL certificate problem: self-signed certificate")
        let plain = APIClient.classify(.init(data: nil, response: nil, error: curl(
            "OpenSSL/3.0.19: error:0A00010B:SSL routines::wrong version number")))
        guard case let .malformed(notTLS) = plain else {
            Issue.record("a server that does not speak TLS is retried: \(plain)")
            return
        }
        #expect(notTLS == "OpenSSL/3.0.19: error:0A00010B:SSL routines::wrong version number")
        let broken = APIClient.classify(.init(data: nil, response: nil,
                                              error: curl("OpenSSL SSL_connect: SSL_ERROR_SYSCALL")))
        guard case let .retry(handshake, _) = broken else {
            Issue.record("a broken handshake is not retried: \(broken)")
            return
        }
        #expect(handshake == "OpenSSL SSL_connect: SSL_ERROR_SYSCALL")
    }

    @Test("the key and endpoint are checked once, at configuration")
    func configuration() throws {
        let key = "6f1c0e2a-5b7d-4c3e-9a8b-2d1e0f9c8b7a"
        #expect(throws: APIConfiguration.Problem.noKey) { try APIConfiguration(environment: [:]) }
        #expect(throws: APIConfiguration.Problem.malformedKey(variable: "AGENTOPS_API_KEY")) {
            try APIConfiguration(environment: ["AGENTOPS_API_KEY": "nope"])
        }
        #expect(throws: APIConfiguration.Problem.badEndpoint("not a url")) {
            try APIConfiguration(environment: ["AGENTOPS_API_KEY": key, "AGENTOPS_API_ENDPOINT": "not a url"])
        }
        let configuration = try APIConfiguration(environment: ["AGENTOPS_API_KEY": key,
                                                               "AGENTOPS_API_ENDPOINT": "http://127.0.0.1:9/"])
        #expect(configuration.endpoint == "http://127.0.0.1:9")
    }
}
