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
        do {
            switch name {
            case "", "identity":
                guard body.count <= limit else { throw InflateError.outputLimitExceeded(limit: limit) }
                return .success(body)
            case "gzip", "x-gzip":
                return .success(try Inflate.gzip(body, maxOutput: limit))
            case "deflate":
                // HTTP's deflate is a zlib stream; some clients send raw deflate anyway.
                do {
                    return .success(try Inflate.zlib(body, maxOutput: limit))
                } catch InflateError.invalidHeader {
                    return .success(try Inflate.raw(body, maxOutput: limit))
                }
            default:
                return .failure(Failure(status: 415, message: "Content-Encoding \(name) is not supported; "
                    + "use gzip, deflate or none"))
            }
        } catch let error as InflateError {
            if case .outputLimitExceeded = error {
                return .failure(Failure(status: 413, message: "the body inflates to more than \(limit) bytes"))
            }
            return .failure(Failure(status: 400, message: "the \(name) body does not inflate: \(error)"))
        } catch {
            return .failure(Failure(status: 400, message: "the \(name) body does not inflate: \(error)"))
        }
    }
}
