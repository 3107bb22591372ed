import AgentOpsExec
import Glibc
import Testing

/// `DescriptorPlacement` in this process, on numbers far above anything the test runner
/// opens: chains, cycles and descriptors already in place, which the end-to-end tests
/// cannot arrange for sure (they depend on where the helper receives).
@Suite("Descriptor placement")
struct DescriptorPlacementTests {
    /// The inode of what `fd` refers to, nil when it is closed.
    private func inode(_ fd: Int32) -> UInt? {
        var status = stat()
        return fstat(fd, &status) == 0 ? UInt(status.st_ino) : nil
    }

    @Test("a 3-cycle, a 2-cycle, a chain and one in place all end where they must, inheritable, sources closed")
    func cyclesAndChains() throws {
        // Each source is its own pipe end, so its inode says where it went.
        let sources: [Int32] = [900, 901, 902, 910, 911, 920, 921, 930]
        let targets: [Int32] = [901, 902, 900, 911, 910, 921, 925, 930]
        var inodes: [Int32: UInt] = [:]
        for fd in sources {
            var ends: [Int32] = [-1, -1]
            try #require(pipe(&ends) == 0)
            try #require(dup2(ends[0], fd) == fd && fcntl(fd, F_SETFD, FD_CLOEXEC) == 0)
            close(ends[0])
            close(ends[1])
            inodes[fd] = inode(fd)
        }
        defer { for fd in Set(sources + targets) { close(fd) } }

        #expect(DescriptorPlacement.place(sources, at: targets) == 0)

        for (source, target) in zip(sources, targets) {
            #expect(inode(target) == inodes[source], "\(source) → \(target)")
            #expect(fcntl(target, F_GETFD) & FD_CLOEXEC == 0, "\(target) is inheritable")
        }
        #expect(inode(920) == nil, "a source that is no target is closed")
    }
}
