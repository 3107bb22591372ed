import Glibc

extension Descriptors {
    /// Closes `fd`. Not retried on EINTR: on Linux the descriptor is released even
    /// then, and a retry could close one another thread has just been given.
    public static func close(_ fd: Int32) { _ = Glibc.close(fd) }
}
