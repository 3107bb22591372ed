/// What one decode has used of its `OTLPDecodeLimits`: the running counts and the checks
/// against them, shared by the protobuf and the JSON decoder so that the two encodings of
/// one request are refused at the same item, with the same message.
struct OTLPDecodeBudget {
    /// The limits counted against.
    let limits: OTLPDecodeLimits
    private var spans = 0
    /// Attributes, events, links and array elements so far, all counted together.
    private var items = 0

    /// A budget with nothing used yet.
    init(_ limits: OTLPDecodeLimits) { self.limits = limits }

    /// Counts one more span of the request.
    ///
    /// - Throws: `OTLPDecodeError.tooMany` past `maxSpans`.
    mutating func countSpan() throws {
        guard spans < limits.maxSpans else { throw OTLPDecodeError.tooMany(what: "spans", limit: limits.maxSpans) }
        spans += 1
    }

    /// Counts one more attribute of a list that holds `count` already.
    mutating func countAttribute(joining count: Int) throws {
        try countItem(joining: count, limit: limits.maxAttributesPerList, what: "attributes in one list")
    }

    /// Counts one more event of a span that holds `count` already.
    mutating func countEvent(joining count: Int) throws {
        try countItem(joining: count, limit: limits.maxItemsPerList, what: "events in one span")
    }

    /// Counts one more link of a span that holds `count` already.
    mutating func countLink(joining count: Int) throws {
        try countItem(joining: count, limit: limits.maxItemsPerList, what: "links in one span")
    }

    /// Counts one more element of an array value that holds `count` already.
    mutating func countArrayValue(joining count: Int) throws {
        try countItem(joining: count, limit: limits.maxItemsPerList, what: "values in one array")
    }

    /// Checks that an AnyValue at `depth` (a flat attribute is 1) may be decoded.
    ///
    /// - Parameter offset: where the value starts, for the error (0 in JSON, which has
    ///   no byte offsets past the parser).
    func checkNesting(_ depth: Int, offset: Int) throws {
        guard depth <= limits.maxNestingDepth else {
            throw OTLPDecodeError.nestingTooDeep(offset: offset, limit: limits.maxNestingDepth)
        }
    }

    /// Counts one more item against its list's `limit` and the request's total.
    private mutating func countItem(joining count: Int, limit: Int, what: String) throws {
        guard count < limit else { throw OTLPDecodeError.tooMany(what: what, limit: limit) }
        guard items < limits.maxTotalItems else {
            throw OTLPDecodeError.tooMany(what: "attributes, events, links and values", limit: limits.maxTotalItems)
        }
        items += 1
    }
}
