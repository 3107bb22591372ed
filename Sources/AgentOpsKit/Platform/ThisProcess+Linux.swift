import Glibc

extension ThisProcess {
    /// The path of this process's executable, read from `/proc/self/exe`; nil when it
    /// cannot be read.
    public static var executablePath: String? {
        var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = buffer.withUnsafeMutableBytes { readlink("/proc/self/exe", $0.baseAddress!, $0.count - 1) }
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n], as: UTF8.self)
    }

    /// This process's group (`getpgrp`).
    public static var group: Int32 { getpgrp() }
}
