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
    static func physicalCores(cpuinfo: String) -> Int? {
        var cores = Set<String>()
        var physical = ""
        for line in cpuinfo.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingSpaces() }
            guard parts.count == 2 else { continue }
            if parts[0] == "physical id" { physical = parts[1] }
            if parts[0] == "core id" { cores.insert(physical + "/" + parts[1]) }
        }
        return cores.isEmpty ? nil : cores.count
    }

    static func ramSection() -> JSONValue {
        let info = parseMeminfo(HostFacts.memoryInfo() ?? "")
        guard let total = info["MemTotal"] else { return .object([]) }
        let available = info["MemAvailable"] ?? info["MemFree"] ?? 0
        let used = total >= available ? total - available : 0
        return .object([
            ("Total", .string(gigabytes(total))),
            ("Available", .string(gigabytes(available))),
            ("Used", .string(gigabytes(used))),
            ("Percentage", .string(percentage(used, of: total))),
        ])
    }

    /// `/proc/meminfo` values in bytes, by field name.
    static func parseMeminfo(_ text: String) -> [String: UInt64] {
        var values: [String: UInt64] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let words = parts[1].split(separator: " ")
            guard let number = words.first.flatMap({ UInt64($0) }) else { continue }
            let (bytes, overflow) = number.multipliedReportingOverflow(by: 1024)
            values[String(parts[0])] = words.count > 1 && words[1] == "kB" ? (overflow ? .max : bytes) : number
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
    /// that is a prefix of it.
    static func mountPoint(of path: String, mounts: String) -> (device: String, point: String) {
        var best = (device: "unknown", point: "/")
        var bestLength = -1
        for line in mounts.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 2 else { continue }
            let point = String(fields[1]).replacingOctalEscapes()
            let matches = path == point || point == "/" || path.hasPrefix(point.hasSuffix("/") ? point : point + "/")
            if matches, point.count >= bestLength {
                best = (String(fields[0]), point)
                bestLength = point.count
            }
        }
        return best
    }

    /// Bytes as GiB with two decimals and `" GB"`, as the SDK prints them.
    static func gigabytes(_ bytes: UInt64) -> String {
        // Whole hundredths of a GiB, rounded; in two steps so no size can overflow.
        let hundredths = bytes >> 30 * 100 + ((bytes & (1 << 30 - 1)) * 100 + (1 << 29)) >> 30
        return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100) GB"
    }

    static func percentage(_ part: UInt64, of whole: UInt64) -> String {
        guard whole > 0 else { return "0.0%" }
        // Exact in integers for any real size; past 2^50 (numbers no disk has, but they
        // come from outside) in Double, so nothing can overflow.
        let tenths = part < 1 << 50 && whole < 1 << 50
            ? (part * 1000 + whole / 2) / whole
            : UInt64(min(Double(part) / Double(whole) * 1000, 1e18).rounded())
        return "\(tenths / 10).\(tenths % 10)%"
    }
}

extension StringProtocol {
    func trimmingSpaces() -> String {
        String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}

extension String {
    /// Undoes the `\040`-style escapes of `/proc/self/mounts`.
    func replacingOctalEscapes() -> String {
        guard contains("\\") else { return self }
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
