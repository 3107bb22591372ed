/// The ids of the last LLM calls a fold counted, so that one call recorded twice counts
/// once, in bounded memory.
///
/// Two writers can record the same call under the same id: the LLM proxy and the SDK's
/// telemetry (`ProxyEventID`). They record it within seconds of each other (the proxy when
/// the answer ends, the telemetry at its next batch), so the second copy always finds the
/// first among the last few calls. Keeping every id instead made the memory of a fold grow
/// with the session: 77 MiB for `agentops sync` of a million LLM calls (issue 15). The
/// window holds the last `capacity` distinct ids (65,536 by default: about 4 MiB at most);
/// a copy recorded more than that many calls after the first would count twice, which no
/// writer of the same call comes near.
struct RecentCallIDs: Sendable {
    /// How many of the last distinct ids are remembered.
    static let defaultCapacity = 1 << 16

    private enum Key: Sendable {
        case packed(PackedUUID)
        case text(String)
    }

    let capacity: Int
    private var packed = Set<PackedUUID>()
    private var texts = Set<String>()
    /// The ids in the order they were first seen: a ring once it holds `capacity`.
    private var order: [Key] = []
    /// Where the oldest id is, once the ring is full.
    private var oldest = 0

    init(capacity: Int = RecentCallIDs.defaultCapacity) {
        self.capacity = max(1, capacity)
    }

    /// How many ids are remembered now (at most `capacity`).
    var count: Int { order.count }

    /// Adds `id`; false when it is among the remembered ones (the call was counted).
    mutating func insert(_ id: String) -> Bool {
        let key: Key
        if let bits = PackedUUID(id) {
            guard packed.insert(bits).inserted else { return false }
            key = .packed(bits)
        } else {
            guard texts.insert(id).inserted else { return false }
            key = .text(id)
        }
        if order.count < capacity {
            order.append(key)
        } else {
            switch order[oldest] {
            case let .packed(bits): packed.remove(bits)
            case let .text(text): texts.remove(text)
            }
            order[oldest] = key
            oldest = oldest == capacity - 1 ? 0 : oldest + 1
        }
        return true
    }
}

extension RecentCallIDs: Equatable {
    /// Bookkeeping of a fold, not part of a summary's value: two summaries of the same
    /// session are equal whatever ids their folds saw (an index entry keeps none).
    static func == (_: RecentCallIDs, _: RecentCallIDs) -> Bool { true }
}
