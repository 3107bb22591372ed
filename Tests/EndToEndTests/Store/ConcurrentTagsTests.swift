import Foundation
import Testing
@testable import AgentOpsKit

/// Tags are added by many writers at once (the SDK's `update_session`, nested runs'
/// `-t`, `agentops tags add` from parallel jobs): none may drop another's.
@Suite("Tags from concurrent writers")
struct ConcurrentTagsTests {
    @Test("20 concurrent 'agentops tags add', a nested run's -t and an SDK update_session: every tag is kept")
    func noTagLost() throws {
        let home = Harness.temporaryFolder()
        // The SDK's call as agentops 0.3 sends it, to the listener the run offers.
        let sdk = """
        import json, os, urllib.request
        body = json.dumps({"session": {"session_id": os.environ["AGENTOPS_SESSION_ID"], "tags": ["sdk-tag"]}})
        request = urllib.request.Request(os.environ["AGENTOPS_API_ENDPOINT"] + "/v2/update_session",
            data=body.encode(), headers={"Content-Type": "application/json",
                                         "X-Agentops-Api-Key": os.environ["AGENTOPS_API_KEY"]})
        assert urllib.request.urlopen(request).status == 200
        """
        let script = """
        for i in $(seq 1 20); do agentops tags add "t$i" & done
        agentops-run -q -t nested -- python3 -c '\(sdk)' &
        wait
        """
        let result = Harness.wrap(["-t", "owner", "--", "sh", "-c", script], home: home,
                                  extra: RecordingCommandsTests.withTools(home))
        #expect(result.code == 0, "\(result.err)")
        let export = try Harness.export(home: home)
        let tags = Set(export["session"]?["tags"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        let expected = Set(["owner", "nested", "sdk-tag"] + (1...20).map { "t\($0)" })
        #expect(tags == expected, "missing: \(expected.subtracting(tags))")
    }
}
