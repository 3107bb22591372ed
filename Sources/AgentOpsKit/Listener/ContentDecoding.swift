/// Undoes a request's `Content-Encoding` (OTLP/HTTP clients may gzip; Python's exporter
/// also offers `deflate`, a zlib stream), never producing more than a limit.
enum ContentDecoding {
    /// Why a body could not be decoded, as an HTTP status and a message.
    struct Failure: Error, Equatable {
        var status: Int
        var message: String
    }

    /// `body` decoded per `encoding` (nil, empty or `identity`: as it is).
    ///
    /// - Parameter limit: bytes the decoded body may have; more is a 413, which exporters
    ///   do not retry.
    static func decode(_ body: [UInt8], encoding: String?, limit: Int) -> Result<[UInt8], Failure> {
        let name = (encoding ?? "").trimmingSpaces().lowercased()
        switch name {
        case "", "identity":
            return .success(body)
        default:
            return .failure(Failure(status: 415, message: "Content-Encoding \(name) is not supported; send the body "
                + "uncompressed (OTEL_EXPORTER_OTLP_COMPRESSION unset)"))
        }
    }
}
