import AgentOpsExec
import Glibc

/// Reading and writing raw descriptors, the one place that knows `read(2)` and
/// `write(2)` can be interrupted by a signal or do part of the work.
///
/// agentops-run takes signals all the time (it forwards them), so every loop over a
/// system call here retries EINTR; everything else in the code calls these instead of
/// writing its own loop.
public enum Descriptors {
    /// Calls `call` until it does not fail with EINTR (the exec helper's loop, shared).
    @inline(__always)
    public static func retryingEINTR<T: BinaryInteger>(_ call: () -> T) -> T {
        AgentOpsExec.retryingEINTR(call)
    }

    /// Writes all of `bytes` to `fd`, retrying partial writes and EINTR.
    ///
    /// - Returns: how many bytes were written: `bytes.count`, or fewer when the
    ///   descriptor failed (`errno` then says why).
    @discardableResult
    public static func writeAll(_ bytes: UnsafeRawBufferPointer, to fd: Int32) -> Int {
        var offset = 0
        while offset < bytes.count {
            let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0, errno == EINTR { continue }
            if n <= 0 { break }
            offset += n
        }
        return offset
    }

    /// `writeAll` for an array.
    @discardableResult
    public static func writeAll(_ bytes: [UInt8], to fd: Int32) -> Int {
        bytes.withUnsafeBytes { writeAll($0, to: fd) }
    }

    /// Reads once into `buffer`, retrying EINTR.
    ///
    /// - Returns: the byte count, 0 at end of file, or -1 with `errno` set.
    public static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        retryingEINTR { Glibc.read(fd, buffer.baseAddress, buffer.count) }
    }

    /// Reads a small file (a `/proc` entry, an exporter's cursor) whole, at most 4 MiB;
    /// nil when it cannot be opened or is not a regular file or `/proc` entry.
    public static func readSmallFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        var data: [UInt8] = []
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 16)
        defer { buffer.deallocate() }
        while data.count < 4 << 20 {
            let n = read(fd, into: buffer)
            if n <= 0 { break }
            data.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Marks `fd` close-on-exec, so no child of ours inherits it.
    public static func closeOnExec(_ fd: Int32) {
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
    }
}

/// The text of `errno` for messages. Not a default argument of the one below: a public
/// default is evaluated in the caller, which would then read `errno` itself.
public func errnoText() -> String { errnoText(errno) }

/// The text of `code`, an `errno` value, for messages (`strerror`).
public func errnoText(_ code: Int32) -> String { String(cString: strerror(code)) }
