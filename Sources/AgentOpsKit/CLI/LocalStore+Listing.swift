extension LocalStore {
    /// Every session, as `listing()` gives them, after saying on `console` why the
    /// session index could not be saved, when something stood in its way.
    ///
    /// Every command that lists the store lists through here, so each says it the same
    /// way, once: the listing itself is whole, but until the index can be saved every
    /// listing folds each new or changed log again, slower, and only a word on stderr
    /// tells the user why.
    ///
    /// - Parameter console: where the warning goes; nil lists without a word (what a
    ///   command says nothing for, or already said it).
    /// - Throws: what `listing()` throws.
    public func listing(warningOn console: Console?) throws(StoreError) -> SessionListing {
        let listing = try listing()
        if let console, let unsaved = listing.unsavedIndex { console.warning("\(unsaved)") }
        return listing
    }
}
