extension Dictionary where Key == String, Value == String {
    /// A copy in storage of its own, with room for `extra` more entries: for an
    /// environment about to be changed while the original is still held.
    ///
    /// Built entry by entry instead of copied on the first write: the copy-on-write path
    /// instantiates `_DictionaryStorage<String, String>` from its mangled name, and the
    /// first such use checks `String: Hashable` by scanning every conformance record of
    /// the binary, 0.1 ms on the path to the command's start (issue 18). Creating the
    /// storage directly, as `ThisProcess.environment` does, costs no scan.
    func copiedWithRoom(for extra: Int) -> [String: String] {
        var copy = [String: String](minimumCapacity: count + extra)
        for (name, value) in self { copy[name] = value }
        return copy
    }
}
