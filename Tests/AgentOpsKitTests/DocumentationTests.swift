import Foundation
import Testing
@testable import AgentOpsKit

/// Keeps `--help`, the man pages, the README and CI saying the same thing.
@Suite("Documentation stays true")
struct DocumentationTests {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static func read(_ relative: String) throws -> String {
        try String(contentsOfFile: root + "/" + relative, encoding: .utf8)
    }

    /// Long options (`--name`) mentioned in a text.
    static func longOptions(in text: String) -> Set<String> {
        let regex = try! NSRegularExpression(pattern: "--[a-z][a-z-]+")
        let range = NSRange(text.startIndex..., in: text)
        return Set(regex.matches(in: text, range: range).compactMap { Range($0.range, in: text).map { String(text[$0]) } })
    }

    /// Long options in a man page's OPTIONS section (`Fl -name`).
    static func manOptions(_ page: String) -> Set<String> {
        let section = page.components(separatedBy: ".Sh OPTIONS").last?.components(separatedBy: ".Sh ").first ?? ""
        let regex = try! NSRegularExpression(pattern: "Fl -([a-z][a-z-]+)")
        let range = NSRange(section.startIndex..., in: section)
        return Set(regex.matches(in: section, range: range).compactMap {
            Range($0.range(at: 1), in: section).map { "--" + section[$0] }
        })
    }

    @Test("every agentops-run option in --help is in the man page's OPTIONS, and back")
    func agentopsRunOptions() throws {
        let page = try Self.read("man/agentops-run.1")
        let help = RunOptions.helpText.components(separatedBy: "environment:").first ?? ""
        #expect(Self.longOptions(in: help) == Self.manOptions(page))
        for variable in ["AGENTOPS_HOME", "AGENTOPS_SESSION_ID", "AGENTOPS_DEFAULT_TAGS", "AGENTOPS_ENV_DATA_OPT_OUT",
                         "NO_COLOR"] {
            #expect(RunOptions.helpText.contains(variable))
            #expect(page.contains(".It Ev \(variable)"), "\(variable) missing from the man page")
        }
    }

    @Test("every agentops command and option in --help is in the man page")
    func agentopsCommands() throws {
        let page = try Self.read("man/agentops.1")
        for command in ["sessions", "show", "stats", "export", "prices", "prune", "event llm", "event tool", "event action", "event error",
                        "tags add", "tags set", "end", "sync"] {
            #expect(AgentOpsCommand.helpText.contains("  \(command) "))
            #expect(page.contains(".It Cm \(command)"), "\(command) missing from the man page")
        }
        let helpOptions = Self.longOptions(in: AgentOpsCommand.helpText).union(["--help", "--version"])
        #expect(helpOptions == Self.manOptions(page))
    }

    @Test("the README's test command is what CI runs, and the README names every option")
    func readmeAndCI() throws {
        let readme = try Self.read("README.md")
        let ci = try Self.read(".ci/run")
        let testCommand = "swift test"
        #expect(readme.contains("```\n\(testCommand)\n```"))
        // CI runs exactly that command (its output kept to check that nothing was skipped).
        let runs = ci.split(separator: "\n").filter { $0.hasPrefix(testCommand) }
        #expect(runs == [Substring(testCommand + #" 2>&1 | tee "$log""#)])
        for option in Self.longOptions(in: RunOptions.helpText).union(Self.longOptions(in: AgentOpsCommand.helpText)) {
            #expect(readme.contains(option), "README does not mention \(option)")
        }
    }

    @Test("the folders of AgentOpsKit depend only downwards, as the README draws them (scripts/folder-deps)")
    func noFolderCycles() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.root + "/scripts/folder-deps"]
        process.currentDirectoryURL = URL(fileURLWithPath: Self.root)
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.hasSuffix("no cycles\n"))
    }
}
