import Foundation
import Glibc
import Testing
@testable import AgentOpsKit

@Suite("The closing line's summary without reading the log back")
struct SummarizingSinkTests {
    private func records(_ id: SessionID) -> [StoreRecord] {
        let at = Timestamp(microseconds: 1_000_000)
        let session = Session(id: id, initTimestamp: at, tags: ["a"], hostEnv: .object([]), command: ["true"])
        let llm = Event(type: .llms, initTimestamp: at, endTimestamp: at, sessionID: id, fields: [
            ("model", .string("gpt-4o")), ("prompt_tokens", .int(10)), ("completion_tokens", .int(5)),
            ("cost", .number("0.0012345678")),
        ])
        return [.start(session), .event(.stdout("hi", from: at, to: at, session: id)), .event(llm), .tags(["a", "b"])]
    }

    @Test("a log only this run wrote: the summary of what it appended equals the log read back")
    func ownAppends() throws {
        let store = LocalStore(home: StoreTests.folder())
        let id = SessionID.random()
        let sink = SummarizingSink(log: try store.open(id))
        let all = records(id)
        _ = try sink.append(Array(all.prefix(2)), oversize: .leaveOut)
        _ = try sink.append(Array(all.dropFirst(2)), oversize: .leaveOut)
        let own = try #require(sink.ownSummary)
        #expect(own == (try SessionLog.summary(path: store.path(of: id))))
        #expect(own.count(.llms) == 1 && own.count(.actions) == 1 && own.session.tags == ["a", "b"])
    }

    @Test("another writer's append, before or after this run's last one, means reading the log back")
    func othersAppend() throws {
        let store = LocalStore(home: StoreTests.folder())
        for otherGoesLast in [false, true] {
            let id = SessionID.random()
            let sink = SummarizingSink(log: try store.open(id))
            let all = records(id)
            _ = try sink.append([all[0]], oversize: .leaveOut)
            if !otherGoesLast { try store.open(id).append([all[1]]) }
            _ = try sink.append([all[2]], oversize: .leaveOut)
            if otherGoesLast { try store.open(id).append([all[1]]) }
            #expect(sink.ownSummary == nil)
        }
    }

    @Test("a log that held records before this run opened it is read back")
    func existingLog() throws {
        let store = LocalStore(home: StoreTests.folder())
        let id = SessionID.random()
        let all = records(id)
        try store.open(id).append([all[0]])
        let sink = SummarizingSink(log: try store.open(id))
        _ = try sink.append([all[1]], oversize: .leaveOut)
        #expect(sink.ownSummary == nil)
    }

    @Test("opened by its first append: no file before it; a store that cannot be opened is said once, records counted only")
    func openedByFirstAppend() throws {
        let store = LocalStore(home: StoreTests.folder())
        let id = SessionID.random()
        let sink = SummarizingSink(opening: { () throws(StoreError) in try store.open(id) }, cannotOpen: { _ in
            Issue.record("the store opens")
        })
        #expect(!store.exists(id))
        let all = records(id)
        _ = try sink.append(Array(all.prefix(2)), oversize: .leaveOut)
        #expect(store.exists(id))
        #expect(sink.ownSummary?.count(.actions) == 1)

        // A file where the store's folder should be: the store cannot be opened.
        let file = StoreTests.folder() + "/not-a-folder"
        #expect(FileManager.default.createFile(atPath: file, contents: Data()))
        let broken = LocalStore(home: file)
        let told = Told()
        let unopened = SummarizingSink(opening: { () throws(StoreError) in try broken.open(id) },
                                       cannotOpen: { told.add("\($0)") })
        for _ in 0..<3 { #expect(try unopened.append([all[1]], oversize: .leaveOut).isEmpty) }
        #expect(told.count == 1)
        #expect(unopened.ownSummary == nil)
    }
}

private final class Told: @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [String] = []
    func add(_ message: String) { lock.withLock { messages.append(message) } }
    var count: Int { lock.withLock { messages.count } }
}
