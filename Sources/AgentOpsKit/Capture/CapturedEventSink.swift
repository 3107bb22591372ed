/// Where a captured stream's events go (the run's recorder).
///
/// Called on the stream's pump thread right after the bytes were passed through, so
/// it must not block for long and never throws: a failure to record is the sink's to
/// report, and can never hold back or change the command's output.
public protocol CapturedEventSink: AnyObject, Sendable {
    /// The session the events belong to.
    var sessionID: SessionID { get }
    /// Records one event.
    func record(_ event: Event)
    /// How many bytes past a line's cut to keep until the line is redacted: a secret
    /// that crosses the cut must be seen whole to be redacted, never recorded in part.
    var redactionMargin: Int { get }
    /// `text` with secrets redacted (before a long line is cut to the limit).
    func redact(_ text: String) -> String
    /// What `redact` puts in a secret's place: a cut is not made inside it.
    var redactionReplacement: String { get }
}
