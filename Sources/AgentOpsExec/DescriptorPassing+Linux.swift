#if hasFeature(Embedded)
import CExecSystem  // agentops-run-exec (Sources/CExecSystem says why)
#else
import Glibc
#endif

/// Handing open descriptors to another process over a Unix socket (`SCM_RIGHTS`).
///
/// The exec helper needs this: Foundation's spawn closes every descriptor above 2 in
/// the child, so the ones the command must inherit travel this way instead.
public enum DescriptorPassing {
    /// `cmsghdr` is 16 bytes on 64-bit Linux; its data follows, 8-byte aligned.
    private static let headerSize = MemoryLayout<cmsghdr>.size

    private static func space(for count: Int) -> Int { headerSize + (count * 4 + 7) / 8 * 8 }

    /// Sends `payload` with `fds` attached in one message; false when it failed.
    public static func send(_ fds: [Int32], payload: [Int32], over socket: Int32) -> Bool {
        var payload = payload
        var control = [UInt8](repeating: 0, count: space(for: fds.count))
        return payload.withUnsafeMutableBytes { payloadBytes in
            control.withUnsafeMutableBytes { controlBytes in
                let header = controlBytes.baseAddress!.assumingMemoryBound(to: cmsghdr.self)
                header.pointee.cmsg_len = headerSize + fds.count * 4
                header.pointee.cmsg_level = SOL_SOCKET
                header.pointee.cmsg_type = Int32(SCM_RIGHTS)
                for (index, fd) in fds.enumerated() {
                    controlBytes.storeBytes(of: fd, toByteOffset: headerSize + index * 4, as: Int32.self)
                }
                var vector = iovec(iov_base: payloadBytes.baseAddress, iov_len: payloadBytes.count)
                return withUnsafeMutablePointer(to: &vector) { vectorPointer in
                    var message = msghdr()
                    message.msg_iov = vectorPointer
                    message.msg_iovlen = 1
                    message.msg_control = controlBytes.baseAddress
                    message.msg_controllen = controlBytes.count
                    return retryingEINTR { sendmsg(socket, &message, 0) } == payloadBytes.count
                }
            }
        }
    }

    /// Receives one message of at most `maxPayload` Int32s and `maxDescriptors` fds,
    /// close-on-exec; nil when none came.
    static func receive(from socket: Int32, maxPayload: Int, maxDescriptors: Int) -> (payload: [Int32], fds: [Int32])? {
        var payload = [Int32](repeating: 0, count: maxPayload)
        var control = [UInt8](repeating: 0, count: space(for: maxDescriptors))
        var payloadCount = 0
        var fds: [Int32] = []
        payload.withUnsafeMutableBytes { payloadBytes in
            control.withUnsafeMutableBytes { controlBytes in
                var vector = iovec(iov_base: payloadBytes.baseAddress, iov_len: payloadBytes.count)
                withUnsafeMutablePointer(to: &vector) { vectorPointer in
                    var message = msghdr()
                    message.msg_iov = vectorPointer
                    message.msg_iovlen = 1
                    message.msg_control = controlBytes.baseAddress
                    message.msg_controllen = controlBytes.count
                    // MSG_CMSG_CLOEXEC: none of them may reach the command under its
                    // received number, only as the number it is moved to.
                    let n = retryingEINTR { recvmsg(socket, &message, Int32(MSG_CMSG_CLOEXEC)) }
                    guard n > 0 else { return }
                    payloadCount = n / 4
                    guard message.msg_controllen >= headerSize else { return }
                    let header = controlBytes.baseAddress!.assumingMemoryBound(to: cmsghdr.self)
                    guard header.pointee.cmsg_level == SOL_SOCKET, header.pointee.cmsg_type == Int32(SCM_RIGHTS) else {
                        return
                    }
                    let count = (header.pointee.cmsg_len - headerSize) / 4
                    for index in 0..<count {
                        fds.append(controlBytes.load(fromByteOffset: headerSize + index * 4, as: Int32.self))
                    }
                }
            }
        }
        return payloadCount == 0 ? nil : (Array(payload[0..<payloadCount]), fds)
    }
}
