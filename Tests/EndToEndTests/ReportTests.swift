import Foundation
import Glibc
import Testing
@testable import AgentOpsKit

/// `agentops report` opened in a real browser (headless Chromium): the page renders
/// what was recorded, its script runs without errors, and recorded markup stays text.
///
/// Chromium is required, not optional: `.ci/run` installs it, so a missing browser
/// fails these tests rather than skipping them.
@Suite("HTML report in a browser", .serialized)
struct ReportTests {
    /// Recorded strings that would change the page if they ever ran: an alert (which
    /// would block the headless browser until the timeout), and two that mark the DOM.
    static let alertPayload = "<script>alert(1)</script>"
    static let scriptPayload = "<script>document.documentElement.setAttribute('data-pwned','script')</script>"
    static let imagePayload = "<img src=x onerror=\"document.documentElement.setAttribute('data-pwned','img')\">"

    /// The browser, found on PATH.
    static func chromium() throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for folder in path.split(separator: ":") {
            for name in ["chromium", "chromium-browser", "google-chrome"] where access("\(folder)/\(name)", X_OK) == 0 {
                return "\(folder)/\(name)"
            }
        }
        Issue.record("Chromium is missing: these tests need it (apt-get install -y chromium; .ci/run installs it)")
        throw CancellationError()
    }

    /// Runs headless Chromium on `url` with `arguments`, in a profile of its own.
    static func browse(_ url: String, _ arguments: [String], timeout: Double = 90) throws -> Harness.Result {
        let browser = try chromium()
        let profile = Harness.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: profile) }
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = profile
        return Harness.run(browser, ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                     "--user-data-dir=\(profile)/profile"] + arguments + [url],
                           environment: environment, timeout: timeout)
    }

    /// The page's DOM after its scripts ran, and what the browser logged.
    static func dom(_ file: String, fragment: String = "") throws -> (dom: String, log: String) {
        let result = try browse("file://" + file + fragment, ["--enable-logging=stderr", "--v=0", "--dump-dom"])
        #expect(result.code == 0, "chromium --dump-dom failed: \(result.err.suffix(2000))")
        return (result.out, result.err)
    }

    /// Console lines the page logged (errors included), from the browser's log.
    static func consoleLines(_ log: String) -> [String] {
        log.split(separator: "\n").filter { $0.contains(":CONSOLE") }.map(String.init)
    }

    static func occurrences(_ needle: String, in text: String) -> Int { text.components(separatedBy: needle).count - 1 }

    /// Records a session with LLM calls, tools, an error, a nested step, 10,000 output
    /// lines and the payloads everywhere a string is recorded, then writes its report.
    static func recordAndReport() throws -> (home: String, report: String) {
        let home = Harness.temporaryFolder()
        let script = """
        echo "$PAYLOAD_ALERT $PAYLOAD_SCRIPT $PAYLOAD_IMAGE"
        echo "stderr: $PAYLOAD_IMAGE" >&2
        echo "warning: slow" >&2
        agentops event llm --model gpt-4o --prompt-tokens 100 --completion-tokens 20 \\
            --prompt "say $PAYLOAD_ALERT" --completion "answer $PAYLOAD_SCRIPT" --cost 0.0012
        agentops event tool --name "search $PAYLOAD_IMAGE" --params '{"q":"weather"}' --returns '["sunny"]'
        seq 1 5000
        agentops event tool --name fetch --params '{"url":"https://example.com"}'
        agentops event llm --model gpt-4o-mini --prompt-tokens 420 --completion-tokens 35 --prompt "summarise" \\
            --completion "done"
        agentops event error --type Timeout --code 504 --details "upstream $PAYLOAD_SCRIPT"
        agentops-run -- sh -c 'echo nested step'
        seq 5001 10000
        agentops event tool --name write_file
        exit 1
        """
        var extra = RecordingCommandsTests.withTools(home)
        extra["PAYLOAD_ALERT"] = alertPayload
        extra["PAYLOAD_SCRIPT"] = scriptPayload
        extra["PAYLOAD_IMAGE"] = imagePayload
        let run = Harness.wrap(["--tag", "e2e,<b>tag</b>", "sh", "-c", script], home: home, extra: extra)
        #expect(run.code == 1, "\(run.err)")
        let report = home + "/report.html"
        let result = Harness.tool(["report", "last", "-o", report], home: home)
        try #require(result.code == 0, "agentops report failed: \(result.err)")
        #expect(result.err.contains("wrote \(report)"))
        return (home, report)
    }

    @Test("the page shows the header, one bar per LLM and tool call, the models and the conversation")
    func pageInBrowser() throws {
        let (_, report) = try Self.recordAndReport()
        let (dom, log) = try Self.dom(report)
        #expect(dom.contains("data-rendered=\"true\""), "the page's script did not finish")
        #expect(Self.consoleLines(log).isEmpty, "console output: \(Self.consoleLines(log))")

        // Header.
        #expect(dom.contains("id=\"state\" class=\"state state-Fail\""))
        #expect(dom.contains("<span id=\"reason\">Command exited with code 1</span>"))
        #expect(dom.contains("<dd id=\"cost\">$0.001284</dd>"))
        #expect(dom.contains("LLMs: 2 | Tools: 3 | Actions: "))
        #expect(dom.contains("<span class=\"tag\">&lt;b&gt;tag&lt;/b&gt;</span>"))
        #expect(dom.contains("<span class=\"tag\">e2e</span>"))
        let host = ProcessInfo.processInfo.hostName
        #expect(dom.contains("<dd id=\"host\">\(HTMLEscaping.text(host))") || host.isEmpty)
        #expect(dom.contains("<h1 id=\"command\" class=\"clamped\" title=\"Click to show all\"><code>sh -c "))

        // Timeline: a bar per LLM call, tool call and step; a mark per error.
        #expect(Self.occurrences("class=\"bar llm\"", in: dom) == 2)
        #expect(Self.occurrences("class=\"bar tool\"", in: dom) == 3)
        #expect(Self.occurrences("class=\"bar command\"", in: dom) == 1)
        #expect(Self.occurrences("class=\"mark error\"", in: dom) == 1)
        #expect(Self.occurrences("class=\"tick stdout\"", in: dom) > 0)
        #expect(Self.occurrences("class=\"tick stderr\"", in: dom) > 0)
        #expect(dom.contains("<code>sh -c 'echo nested step'</code>"))

        // Models: one row each, priced (gpt-4o-mini from the bundled table).
        #expect(Self.occurrences("class=\"model-row\"", in: dom) == 2)
        #expect(dom.contains("<tr class=\"model-row\"><td>gpt-4o</td><td class=\"num\">1</td>"
            + "<td class=\"num\">100</td>"))
        #expect(dom.contains("<td>gpt-4o-mini</td>") && dom.contains("$0.000084"))

        // The conversation, rendered by the script.
        #expect(Self.occurrences("<article class=\"call\"", in: dom) == 2)
        #expect(dom.contains("<pre>say &lt;script&gt;alert(1)&lt;/script&gt;</pre>"))
        #expect(dom.contains("<pre>summarise</pre>") && dom.contains("<pre>done</pre>"))

        // The output log: exact counts, what was left out said, the kept lines rendered.
        #expect(dom.contains("10004 lines: 10002 stdout, 2 stderr."))
        // The two stderr lines are in the first 5,000 unless the machine is slow enough
        // to record them later; either way the counts add up and none is left out.
        let summary = try #require(dom.components(separatedBy: "id=\"log-summary\">").last)
        let numbers = try #require(try Regex(#"(\d+) of 10004 lines left out of this page \((\d+) stdout, 0 stderr\): "#
            + #"it keeps the first 5000, the last 5000 and (\d+) stderr lines between"#).firstMatch(in: summary))
        let (omitted, middle) = (Int(numbers.output[1].substring!)!, Int(numbers.output[3].substring!)!)
        #expect(omitted + 10_000 + middle == 10_004 && Int(numbers.output[2].substring!)! == omitted)
        #expect(Self.occurrences("<div class=\"line s", in: dom) == 10_000 + middle)
        #expect(dom.contains("\((10_000 + middle).formatted(.number.locale(Locale(identifier: "en_US")))) of "
            + "\((10_000 + middle).formatted(.number.locale(Locale(identifier: "en_US")))) kept lines shown"))
        #expect(dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
    }

    @Test("recorded markup is text: nothing it holds runs or changes the page")
    func noInjection() throws {
        let (home, report) = try Self.recordAndReport()
        // Would the check notice? The same payloads put raw into a page do run.
        let control = home + "/control.html"
        try "<html><body><p>\(Self.scriptPayload)\(Self.imagePayload)</p></body></html>"
            .write(toFile: control, atomically: true, encoding: .utf8)
        #expect(try Self.dom(control).dom.contains("data-pwned="))

        let (dom, log) = try Self.dom(report)
        #expect(dom.contains("data-rendered=\"true\""))
        #expect(!dom.contains("data-pwned="), "a recorded payload ran")
        #expect(Self.consoleLines(log).isEmpty, "console output: \(Self.consoleLines(log))")
        // The payloads are on the page, as text: in the log, the conversation, the timeline.
        #expect(dom.contains("&lt;script&gt;alert(1)&lt;/script&gt; &lt;script&gt;document.documentElement"))
        #expect(dom.contains("answer &lt;script&gt;document.documentElement.setAttribute"))
        #expect(dom.contains("search &lt;img src=x onerror="))
        #expect(Self.occurrences("<script", in: dom) == 2)
        #expect(!dom.contains("<img"))

        // A timeline event's details, opened by its link, are text too.
        let raw = try String(contentsOfFile: report, encoding: .utf8)
        let toolIndex = try #require(raw.components(separatedBy: "class=\"bar tool\" data-e=\"").dropFirst().first?
            .prefix { $0.isNumber })
        let (details, _) = try Self.dom(report, fragment: "#e\(toolIndex)")
        let panel = try #require(details.components(separatedBy: "id=\"details\"").last)
        #expect(panel.contains("<h3>tool: search &lt;img src=x onerror="))
        #expect(panel.contains("<pre>{\"q\":\"weather\"}</pre>"))
        #expect(!details.contains("data-pwned="))
    }

    @Test("a screenshot of the page is not blank")
    func screenshot() throws {
        let (home, report) = try Self.recordAndReport()
        let shot = home + "/report.png", blankShot = home + "/blank.png"
        let blank = home + "/blank.html"
        try "<html><body></body></html>".write(toFile: blank, atomically: true, encoding: .utf8)
        for (page, file) in [(report, shot), (blank, blankShot)] {
            let result = try Self.browse("file://" + page, ["--screenshot=\(file)", "--window-size=1280,2000",
                                                            "--hide-scrollbars"])
            #expect(result.code == 0, "\(result.err.suffix(2000))")
        }
        let png = try [UInt8](Data(contentsOf: URL(fileURLWithPath: shot)))
        let empty = try [UInt8](Data(contentsOf: URL(fileURLWithPath: blankShot)))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        func bigEndian(_ offset: Int) -> Int { png[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) } }
        #expect(bigEndian(16) == 1280 && bigEndian(20) == 2000)
        // A one-colour page compresses to almost nothing; text, bars and tables do not.
        #expect(png.count > 5 * empty.count, "report \(png.count) bytes, blank page \(empty.count) bytes")
    }

    @Test("a 200,000-line session gives a page under 10 MB that the browser renders, counts exact")
    func bigSession() throws {
        let home = Harness.temporaryFolder()
        let run = Harness.wrap(["sh", "-c", "awk 'BEGIN { for (i = 1; i <= 200000; i++) "
            + "{ print \"line \" i \" of a long run <b>\"; "
            + "if (i % 1000 == 0) print \"warning \" i > \"/dev/stderr\" } }'"],
                               home: home, timeout: 120)
        #expect(run.code == 0, "\(run.err)")
        let report = home + "/big.html"
        let made = Harness.tool(["report", "last", "-o", report], home: home)
        try #require(made.code == 0, "\(made.err)")
        let size = try #require(try FileManager.default.attributesOfItem(atPath: report)[.size] as? Int)
        #expect(size < 10 << 20, "the page is \(size) bytes")
        let started = Date()
        let (dom, log) = try Self.dom(report)
        let seconds = Date().timeIntervalSince(started)
        #expect(dom.contains("data-rendered=\"true\""), "the page's script did not finish: \(log.suffix(3000))")
        #expect(Self.consoleLines(log).isEmpty, "console output: \(Self.consoleLines(log))")
        #expect(dom.contains("200200 lines: 200000 stdout, 200 stderr."))
        // Which stderr lines fall in the first or last 5,000 depends on how the two
        // streams interleaved; the counts always add up, and no stderr line is left out.
        let summary = try #require(dom.components(separatedBy: "id=\"log-summary\">").last)
        let numbers = try #require(try Regex(#"(\d+) of 200200 lines left out of this page "#
            + #"\((\d+) stdout, 0 stderr\): "#
            + #"it keeps the first 5000, the last 5000 and (\d+) stderr lines between"#).firstMatch(in: summary))
        let (omitted, omittedStdout, middle) = (Int(numbers.output[1].substring!)!, Int(numbers.output[2].substring!)!,
                                                Int(numbers.output[3].substring!)!)
        #expect(omitted == omittedStdout && omitted + 10_000 + middle == 200_200)
        print("200,000-line session: page \(size) bytes, made in \(String(format: "%.2f", made.seconds)) s, "
            + "loaded and dumped by Chromium in \(String(format: "%.2f", seconds)) s")
    }

    @Test("report --sessions -o DIR/ writes an index linking each session's page")
    func sessionsFolder() throws {
        let home = Harness.temporaryFolder()
        for (tag, exit) in [("a", "0"), ("b", "3"), ("a", "0")] {
            _ = Harness.wrap(["-t", tag, "sh", "-c", "echo hi; exit \(exit)"], home: home)
        }
        let folder = home + "/out/"
        let result = Harness.tool(["report", "--sessions", "-o", folder], home: home)
        try #require(result.code == 0, "\(result.err)")
        let index = try String(contentsOfFile: folder + "index.html", encoding: .utf8)
        let links = index.components(separatedBy: "href=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
        #expect(links.count == 3)
        for link in links { #expect(access(folder + link, R_OK) == 0, "\(link) missing") }
        #expect(index.contains("id=\"failure-rate\">1 of 3 (33%)"))
        let (dom, log) = try Self.dom(folder + "index.html")
        #expect(Self.occurrences("class=\"session-row\"", in: dom) == 3 && Self.consoleLines(log).isEmpty)
        let tagged = Harness.tool(["report", "--sessions", "--tag", "a", "-o", "-"], home: home)
        #expect(tagged.code == 0 && Self.occurrences("class=\"session-row\"", in: tagged.out) == 2)
        #expect(Harness.tool(["report", "--sessions", "--state", "fail", "-o", "-"], home: home).out
            .components(separatedBy: "class=\"session-row\"").count == 2)
    }
}
