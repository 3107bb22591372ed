/// The ids of events from outside a recorder has recorded (`Recorder.write(_:deduplicating:)`).
///
/// An id in the canonical lowercase UUID form (the SDK's, and the ones the span mapping
/// derives) is kept as its 128 bits (`PackedUUID`): hashing 16 bytes instead of a
/// 36-character string is most of what a retry check costs the listener, and a run that
/// folds a million spans keeps 16 MB of ids instead of 48. Any other id is kept as its text.
struct RecordedIDs {
    private var packed = Set<PackedUUID>()
    private var others = Set<String>()

    /// Adds `id`; false when it was already there.
    mutating func insert(_ id: String) -> Bool {
        if let key = PackedUUID(id) { return packed.insert(key).inserted }
        return others.insert(id).inserted
    }

    /// Takes `id` out again.
    mutating func remove(_ id: String) {
        if let key = PackedUUID(id) { packed.remove(key) } else { others.remove(id) }
    }
}
