import Glibc

extension ThisProcess {
    /// Maps this process's machine code page by page from now on, for a long-running
    /// exporter whose memory is mostly code (issue 15: `agentops sync` peaked at 33 MiB,
    /// of which 22 MiB were pages of the executable and its libraries, 6 MiB its data).
    ///
    /// A fault on a file page maps the 16 pages around it too ("fault-around"), so the
    /// static executable's scattered Foundation, ICU and runtime code made its resident
    /// text twice what runs. For each executable file mapping (`r-xp`: code only, never
    /// written, so dropping a page loses nothing) this asks for no read-around
    /// (`MADV_RANDOM`) and drops what is mapped (`MADV_DONTNEED`): the next call into
    /// a page maps it back from the page cache, a minor fault. Data, relocated tables and
    /// the heap are left alone. Costs a few thousand minor faults over a run (a few ms).
    /// Best effort: nothing is reported when `/proc` cannot be read.
    public static func mapCodeOnDemand() {
        guard let maps = Descriptors.readSmallFile("/proc/self/maps") else { return }
        let text = Array(maps.utf8)
        for line in text.split(separator: UInt8(ascii: "\n")) {
            let fields = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: true)
            guard fields.count >= 6, fields[1].elementsEqual("r-xp".utf8), fields[5].first == UInt8(ascii: "/"),
                  let dash = fields[0].firstIndex(of: UInt8(ascii: "-")),
                  let start = UInt(String(decoding: fields[0][..<dash], as: UTF8.self), radix: 16),
                  let end = UInt(String(decoding: fields[0][(dash + 1)...], as: UTF8.self), radix: 16),
                  end > start, let address = UnsafeMutableRawPointer(bitPattern: start) else { continue }
            _ = madvise(address, Int(end - start), MADV_RANDOM)
            _ = madvise(address, Int(end - start), MADV_DONTNEED)
        }
    }
}
