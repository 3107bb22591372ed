/// Collects `host_env` in the shape the AgentOps SDK sends (nested objects with the
/// SDK's human-readable keys).
///
/// Everything comes from `HostFacts` (`uname`, `sysconf`, `statvfs` and a few small
/// `/proc` files, read by the platform layer; parsed here):
/// no process is spawned and nothing blocks, so collecting costs well under a
/// millisecond at start-up.
public enum HostEnvironment {
    /// The `host_env` object.
    ///
    /// - Parameters:
    ///   - workingDirectory: the command's working directory (its disk is reported).
    ///   - environment: the environment the command runs with.
    /// - Returns: the nested object; with `AGENTOPS_ENV_DATA_OPT_OUT` true only the SDK,
    ///   OS, working directory and virtual environment sections, as the SDK does.
    public static func collect(workingDirectory: String, environment: [String: String]) -> JSONValue {
        let optOut = ["true", "1", "yes"].contains(environment["AGENTOPS_ENV_DATA_OPT_OUT"]?.lowercased() ?? "")
        var sections: [(String, JSONValue)] = [
            ("SDK", .object([("AgentOps SDK Version", .string("agentops-run \(Version.current)"))])),
            ("OS", osSection()),
        ]
        if !optOut {
            sections.append(("CPU", cpuSection()))
            sections.append(("RAM", ramSection()))
            sections.append(("Disk", diskSection(path: workingDirectory)))
        }
        sections.append(("Project Working Directory",
                         .object([("Project Working Directory", .string(workingDirectory))])))
        sections.append(("Virtual Environment",
                         .object([("Virtual Environment", .optionalString(environment["VIRTUAL_ENV"]))])))
        return .object(sections)
    }

    static func osSection() -> JSONValue {
        let names = HostFacts.names()
        return .object([
            ("Hostname", .string(names.hostname)),
            ("OS", .string(names.system)),
            ("OS Version", .string(names.version)),
            ("OS Release", .string(names.release)),
            ("Machine", .string(names.machine)),
        ])
    }

    static func cpuSection() -> JSONValue {
        let total = HostFacts.onlineProcessors
        return .object([
            ("Physical cores", .int(physicalCores(cpuinfo: HostFacts.cpuInfo() ?? "") ?? total)),
            ("Total cores", .int(total)),
        ])
    }

    /// Distinct (physical id, core id) pairs; nil when the kernel does not report them
    /// (some virtual machines and architectures).
    ///
    /// Read byte by byte, building strings only for the two keys wanted: `/proc/cpuinfo`
    /// has a few kilobytes per core, and splitting it into trimmed `String`s took half of
    /// agentops-run's start-up instructions (callgrind, issue 18).
    static func physicalCores(cpuinfo: String) -> Int? {
        // An array, not a Set: a few hundred entries at most, and no Hashable lookup at
        // start-up (each generic type first used costs a scan of the conformance table).
        var cores: [String] = []
        var physical = ""
        forEachLine(of: cpuinfo) { line in
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return }
            let key = line[..<colon].trimmingBlanks()
            if key.elementsEqual("physical id".utf8) {
                physical = String(decoding: line[(colon + 1)...].trimmingBlanks(), as: UTF8.self)
            } else if key.elementsEqual("core id".utf8) {
                let core = physical + "/" + String(decoding: line[(colon + 1)...].trimmingBlanks(), as: UTF8.self)
                if !cores.contains(core) { cores.append(core) }
            }
        }
        return cores.isEmpty ? nil : cores.count
    }

    /// Calls `body` with each non-empty line of `text`, as bytes without the newline.
    ///
    /// One array of bytes and slices of it: splitting the `UTF8View` instantiated generic
    /// types at run time, a measurable part of agentops-run's start (issue 18).
    static func forEachLine(of text: String, _ body: (ArraySlice<UInt8>) -> Void) {
        let bytes = Array(text.utf8)
        var start = 0
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            if end > start { body(bytes[start..<end]) }
            start = end + 1
        }
    }

    static func ramSection() -> JSONValue {
        let info = parseMeminfo(HostFacts.memoryInfo() ?? "")
        guard let total = info.total else { return .object([]) }
        let available = min(info.available ?? info.free ?? 0, total)
        let used = total - available
        return .object([
            ("Total", .string(gigabytes(total))),
            ("Available", .string(gigabytes(available))),
            ("Used", .string(gigabytes(used))),
            ("Percentage", .string(percentage(used, of: total))),
        ])
    }

    /// The `/proc/meminfo` fields the RAM section uses, in bytes (nil when missing, or
    /// when the value would not fit in 64 bits).
    struct Meminfo: Equatable {
        var total: UInt64?
        var available: UInt64?
        var free: UInt64?
    }

    /// Reads the fields of `Meminfo` from the text of `/proc/meminfo`. (Three named
    /// fields, not a dictionary: the first `[String: UInt64]` to grow paid a scan of
    /// the binary's conformance records, 0.1 ms of every start.)
    static func parseMeminfo(_ text: String) -> Meminfo {
        var values = Meminfo()
        forEachLine(of: text) { line in
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return }
            let name = line[..<colon]
            let field = ["MemTotal", "MemAvailable", "MemFree"].firstIndex { name.elementsEqual($0.utf8) }
            guard let field else { return }
            // "   16384 kB": the number, then the unit if any.
            let rest = line[(colon + 1)...].trimmingBlanks()
            let digits = rest.prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
            let after = rest[digits.endIndex...]
            guard !digits.isEmpty, after.isEmpty || after.first == UInt8(ascii: " ") || after.first == UInt8(ascii: "\t"),
                  let number = UInt64(String(decoding: digits, as: UTF8.self)) else { return }
            let unit = after.trimmingBlanks().prefix { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }
            let (bytes, overflow) = number.multipliedReportingOverflow(by: unit.elementsEqual("kB".utf8) ? 1024 : 1)
            guard !overflow else { return }
            switch field {
            case 0: values.total = bytes
            case 1: values.available = bytes
            default: values.free = bytes
            }
        }
        return values
    }

    static func diskSection(path: String) -> JSONValue {
        guard let space = HostFacts.diskSpace(of: path) else { return .object([]) }
        let total = space.total
        let free = space.available
        let used = total >= space.free ? total - space.free : 0
        let usable = used.addingReportingOverflow(free)
        let mount = mountPoint(of: path, mounts: HostFacts.mounts() ?? "")
        return .object([
            (mount.device, .object([
                ("Mountpoint", .string(mount.point)),
                ("Total", .string(gigabytes(total))),
                ("Used", .string(gigabytes(used))),
                ("Free", .string(gigabytes(free))),
                ("Percentage", .string(percentage(used, of: usable.overflow ? .max : usable.partialValue))),
            ])),
        ])
    }

    /// The mount (device and mount point) holding `path`: the longest mount point
    /// that is a prefix of it. Fields are split as bytes (a container has hundreds of
    /// mounts; splitting `String`s by `Character` cost a millisecond).
    static func mountPoint(of path: String, mounts: String) -> (device: String, point: String) {
        var best = (device: "unknown", point: "/")
        var bestLength = -1
        forEachLine(of: mounts) { line in
            // "device mountpoint type options …"
            guard let space = line.firstIndex(of: UInt8(ascii: " ")) else { return }
            let afterDevice = line[(space + 1)...]
            let field = afterDevice.prefix { $0 != UInt8(ascii: " ") }
            guard !field.isEmpty else { return }
            let point = String(decoding: field, as: UTF8.self).replacingOctalEscapes()
            let length = point.utf8.count
            guard length >= bestLength else { return }
            let matches = path == point || point == "/" || path.hasPrefix(point.hasSuffix("/") ? point : point + "/")
            if matches {
                best = (String(decoding: line[..<space], as: UTF8.self), point)
                bestLength = length
            }
        }
        return best
    }

    /// Bytes as GiB with two decimals and `" GB"`, as the SDK prints them.
    static func gigabytes(_ bytes: UInt64) -> String {
        // In two steps, so that no byte count can overflow.
        let hundredths = (bytes >> 30) * 100 + (((bytes & ((1 << 30) - 1)) * 100 + (1 << 29)) >> 30)
        return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100) GB"
    }

    static func percentage(_ part: UInt64, of whole: UInt64) -> String {
        guard whole > 0 else { return "0.0%" }
        // Scaled down first when ×1000 would overflow; a percentage needs no more bits.
        let shift = max(0, 10 - whole.leadingZeroBitCount)
        let (part, whole) = (min(part, whole) >> shift, max(whole >> shift, 1))
        let tenths = (part * 1000 + whole / 2) / whole
        return "\(tenths / 10).\(tenths % 10)%"
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    func trimmingSpaces() -> String {
        guard let first = firstIndex(where: { $0 != " " && $0 != "\t" }),
              let last = lastIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        return String(self[first...last])
    }
}

extension Collection where Element == UInt8 {
    /// Without leading and trailing spaces and tabs (bytes of a `/proc` file).
    func trimmingBlanks() -> SubSequence {
        let blank: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        let start = firstIndex(where: { !blank($0) }) ?? endIndex
        var end = start
        var index = start
        while index != endIndex {
            if !blank(self[index]) { end = self.index(after: index) }
            index = self.index(after: index)
        }
        return self[start..<end]
    }
}

extension String {
    /// Undoes the `\040`-style escapes of `/proc/self/mounts`.
    func replacingOctalEscapes() -> String {
        guard utf8.contains(UInt8(ascii: "\\")) else { return self }
        var out: [UInt8] = []
        let bytes = Array(utf8)
        var i = 0
        while i < bytes.count {
            if bytes[i] == 0x5C, i + 3 < bytes.count,
               let value = UInt8(String(decoding: bytes[(i + 1)...(i + 3)], as: UTF8.self), radix: 8) {
                out.append(value)
                i += 4
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
