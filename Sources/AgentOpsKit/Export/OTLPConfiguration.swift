/// Where and how to send traces to an OpenTelemetry backend, from the standard OTLP
/// exporter variables (`OTEL_EXPORTER_OTLP_*`), as every OTel SDK reads them.
///
/// Pure parsing, so that agentops-run can tell that OTLP export is configured without
/// linking the networking library that the `agentops` tool uses to send.
public struct OTLPConfiguration: Sendable, Equatable {
    /// The exporter's name: its cursor files are `ID.otlp`.
    public static let exporter = "otlp"

    /// The body encoding (`OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`).
    public enum Encoding: String, Sendable {
        case protobuf = "http/protobuf"
        case json = "http/json"

        /// The `Content-Type` of a request body.
        public var contentType: String { self == .protobuf ? "application/x-protobuf" : "application/json" }
    }

    /// One request header (`OTEL_EXPORTER_OTLP_TRACES_HEADERS`), percent-decoded.
    public struct Header: Sendable, Equatable {
        public var name: String
        public var value: String

        /// A header.
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The traces URL.
    public let endpoint: String
    /// `endpoint` parsed, once, here rather than for every batch; nil only for a
    /// configuration made with a string that is not an http(s) URL
    /// (`init(endpoint:)`), whose every request then fails.
    public let parsedEndpoint: HTTPEndpoint?
    public var headers: [Header]
    public var encoding: Encoding
    /// Whether bodies are gzipped (`…_COMPRESSION=gzip`).
    public var gzip: Bool
    /// Seconds one request may take (`…_TIMEOUT`, milliseconds as the spec says; 10 s).
    public var timeout: Double

    /// Why the environment gives no usable configuration.
    public enum Problem: Error, CustomStringConvertible, Equatable {
        /// No endpoint variable is set, or `OTEL_TRACES_EXPORTER`/`OTEL_SDK_DISABLED` turn
        /// traces off: not an error.
        case notConfigured
        case invalidValue(variable: String, value: String, expected: String)

        public var description: String {
            switch self {
            case .notConfigured: return "no OTLP endpoint is set (OTEL_EXPORTER_OTLP_ENDPOINT)"
            case let .invalidValue(variable, value, expected):
                return "\(variable)=\(SystemString.clipped(value)) is not supported: expected \(expected); "
                    + "not exporting to OTLP"
            }
        }
    }

    /// The configuration in `environment`.
    ///
    /// - Throws: `Problem.notConfigured` when no endpoint is set, `.invalidValue` for a
    ///   setting this exporter cannot honour (gRPC, an unknown compression, …).
    public init(environment: [String: String]) throws(Problem) {
        func value(_ name: String) -> (variable: String, value: String)? {
            for variable in ["OTEL_EXPORTER_OTLP_TRACES_" + name, "OTEL_EXPORTER_OTLP_" + name] {
                if let text = environment[variable]?.trimmingSpaces(), !text.isEmpty { return (variable, text) }
            }
            return nil
        }
        if environment["OTEL_SDK_DISABLED"]?.lowercased() == "true" { throw .notConfigured }
        if let exporters = environment["OTEL_TRACES_EXPORTER"], !exporters.isEmpty,
           !exporters.split(separator: ",").contains(where: { $0.trimmingSpaces() == "otlp" }) {
            throw .notConfigured
        }
        let url: String
        if let traces = environment["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"], !traces.isEmpty {
            url = traces
        } else if let base = environment["OTEL_EXPORTER_OTLP_ENDPOINT"], !base.isEmpty {
            // The signal path goes at the end of the base's path, before its query.
            url = EndpointURL.join(base, "/v1/traces")
        } else {
            throw .notConfigured
        }
        guard let parsed = HTTPEndpoint(url) else {
            let variable = environment["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"].map { $0.isEmpty ? nil : $0 } != nil
                ? "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT" : "OTEL_EXPORTER_OTLP_ENDPOINT"
            throw .invalidValue(variable: variable, value: url, expected: "an http:// or https:// URL with a host (and a port from 1 to 65535)")
        }
        var encoding = Encoding.protobuf
        if let (variable, text) = value("PROTOCOL") {
            guard let parsed = Encoding(rawValue: text) else {
                throw .invalidValue(variable: variable, value: text, expected: "http/protobuf or http/json (not gRPC)")
            }
            encoding = parsed
        }
        var gzip = false
        if let (variable, text) = value("COMPRESSION") {
            guard ["gzip", "none"].contains(text) else {
                throw .invalidValue(variable: variable, value: text, expected: "gzip or none")
            }
            gzip = text == "gzip"
        }
        var timeout = 10.0
        if let (variable, text) = value("TIMEOUT") {
            guard let milliseconds = Int(text), milliseconds > 0, milliseconds <= 3_600_000 else {
                throw .invalidValue(variable: variable, value: text, expected: "milliseconds, such as 10000")
            }
            timeout = Double(milliseconds) / 1000
        }
        let headers = value("HEADERS").map { OTLPKeyValueList.parse($0.value).map { Header($0.key, $0.value) } } ?? []
        self.init(endpoint: parsed, headers: headers, encoding: encoding, gzip: gzip, timeout: timeout)
    }

    /// A configuration with the given values, `endpoint` parsed here.
    public init(endpoint: String, headers: [Header] = [], encoding: Encoding = .protobuf, gzip: Bool = false,
                timeout: Double = 10) {
        self.init(endpoint, parsed: HTTPEndpoint(endpoint), headers: headers, encoding: encoding, gzip: gzip,
                  timeout: timeout)
    }

    /// A configuration with the given values, `endpoint` parsed already.
    public init(endpoint: HTTPEndpoint, headers: [Header] = [], encoding: Encoding = .protobuf, gzip: Bool = false,
                timeout: Double = 10) {
        self.init(endpoint.url, parsed: endpoint, headers: headers, encoding: encoding, gzip: gzip, timeout: timeout)
    }

    /// The one place the fields are set: `parsed` is `endpoint` parsed, or nil when it
    /// does not parse.
    private init(_ endpoint: String, parsed: HTTPEndpoint?, headers: [Header], encoding: Encoding, gzip: Bool,
                 timeout: Double) {
        self.endpoint = endpoint
        parsedEndpoint = parsed
        self.headers = headers
        self.encoding = encoding
        self.gzip = gzip
        self.timeout = timeout
    }

    /// Whether `environment` asks for an OTLP export at all (a misconfigured one
    /// included, so that its problem is reported rather than ignored).
    public static func isRequested(_ environment: [String: String]) -> Bool {
        do {
            _ = try OTLPConfiguration(environment: environment)
            return true
        } catch .notConfigured {
            return false
        } catch {
            return true
        }
    }
}

/// The `k1=v1,k2=v2` lists of `OTEL_EXPORTER_OTLP_HEADERS` and `OTEL_RESOURCE_ATTRIBUTES`
/// (W3C baggage style: keys and values percent-encoded, spaces around them ignored).
public enum OTLPKeyValueList {
    /// The pairs of `text`, in order; entries without `=` or with an empty key are skipped.
    public static func parse(_ text: String) -> [(key: String, value: String)] {
        text.split(separator: ",").compactMap { entry in
            let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { return nil }
            let key = percentDecoded(parts[0].trimmingSpaces())
            let value = percentDecoded(parts[1].trimmingSpaces())
            return key.isEmpty ? nil : (key, value)
        }
    }

    /// `text` with `%XX` escapes decoded (malformed escapes are kept as they are).
    static func percentDecoded(_ text: String) -> String {
        guard text.contains("%") else { return text }
        var bytes: [UInt8] = []
        let source = Array(text.utf8)
        var i = 0
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
        while i < source.count {
            if source[i] == UInt8(ascii: "%"), i + 2 < source.count,
               let high = nibble(source[i + 1]), let low = nibble(source[i + 2]) {
                bytes.append(high << 4 | low)
                i += 3
            } else {
                bytes.append(source[i])
                i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
