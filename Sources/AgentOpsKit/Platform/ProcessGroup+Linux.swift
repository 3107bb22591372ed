import Glibc

/// Whether a process group still has a member that is not a zombie.
///
/// `kill(-group, 0)` succeeds while the group has any member, zombies included. A
/// grandchild killed with the command's group is reparented to PID 1 as a zombie, and
/// in a container whose PID 1 does not reap, it stays one: after a `--timeout` the
/// sweep of the group waited its full 0.5 s for every such run (hostile pass, round
/// 13). So the members are looked up in `/proc`, each one's state and group read from
/// its `stat` line.
public enum ProcessGroup {
    /// Whether `group` has a member that is alive (any state but zombie or dead). True
    /// when `/proc` cannot be read and the group has any member.
    public static func hasLiveMember(_ group: Int32) -> Bool {
        guard kill(-group, 0) == 0 else { return false }
        var live = false
        let listed = DirectoryListing.forEachName(in: "/proc") { name in
            guard !live, let first = name.first, (0x31...0x39).contains(first) else { return }
            let pid = String(decoding: name.dropLast(), as: UTF8.self)
            guard let stat = Descriptors.readSmallFile("/proc/\(pid)/stat") else { return }
            if let member = parse(stat), member.group == group, member.state != "Z", member.state != "X" {
                live = true
            }
        }
        return listed ? live : true
    }

    /// The state and process group in a `/proc/PID/stat` line: after the last `)` (the
    /// command name may hold any bytes), the state, then the parent, then the group.
    static func parse(_ stat: String) -> (state: Character, group: Int32)? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ", maxSplits: 4)
        guard fields.count >= 3, let state = fields[0].first, let group = Int32(fields[2]) else { return nil }
        return (state, group)
    }
}
