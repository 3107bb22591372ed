/// The span ids a trace mapping has made, in bounded memory whatever the session's size.
///
/// The mapping asks two things of it: whether an event's span id (the first 8 bytes of
/// its UUID) was already given to an earlier span, and whether an error's trigger is a
/// span that exists. The first `exactLimit` ids are kept exactly (256 KiB); past
/// them, ids go into a Bloom filter of fixed size (2 MiB), so a million-event session
/// is exported in the same memory as a small one. The filter can say "made" for an id
/// that was not: the span then takes the hash of its whole event id instead (still
/// unique and still the same on every export of the same log), or an error is parented
/// to the span its trigger would have had. Expected: about 190 such ids in a session of
/// 1,000,000 spans (0.02%), and none in one of up to `exactLimit` spans.
struct SpanIDSet {
    /// Ids kept exactly before the filter takes over.
    static let exactLimit = 1 << 14
    /// Bits of the filter, and hashes per id.
    static let filterBits = 1 << 24
    static let hashes = 5

    private var exact = Set<UInt64>()
    private var filter: [UInt64] = []

    init() {}

    /// Adds `id`.
    mutating func insert(_ id: UInt64) {
        if exact.count < Self.exactLimit {
            exact.insert(id)
            return
        }
        if filter.isEmpty { filter = [UInt64](repeating: 0, count: Self.filterBits / 64) }
        Self.forEachBit(of: id) { bit in filter[bit >> 6] |= 1 << UInt64(bit & 63) }
    }

    /// Whether `id` was added (or, past `exactLimit`, may have been).
    func contains(_ id: UInt64) -> Bool {
        if exact.contains(id) { return true }
        guard !filter.isEmpty else { return false }
        var all = true
        Self.forEachBit(of: id) { bit in
            if filter[bit >> 6] & (1 << UInt64(bit & 63)) == 0 { all = false }
        }
        return all
    }

    /// The filter's bits for `id`: double hashing of two mixes of it (Kirsch–Mitzenmacher).
    private static func forEachBit(of id: UInt64, _ body: (Int) -> Void) {
        let first = id &* 0x9E37_79B9_7F4A_7C15
        let second = ((id ^ (id >> 31)) &* 0xBF58_476D_1CE4_E5B9) | 1
        let shift = UInt64(64 - filterBits.trailingZeroBitCount)
        for round in 0..<UInt64(hashes) {
            body(Int((first &+ round &* second) >> shift))
        }
    }
}
