import Foundation
import Testing
import TestSupport
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

    /// What `pattern` (or its capture `group`) matches in `text`, each match once.
    static func matches(of pattern: String, in text: String, group: Int = 0,
                        options: NSRegularExpression.Options = []) -> Set<String> {
        let regex = try! NSRegularExpression(pattern: pattern, options: options)
        let range = NSRange(text.startIndex..., in: text)
        return Set(regex.matches(in: text, range: range).compactMap {
            Range($0.range(at: group), in: text).map { String(text[$0]) }
        })
    }

    /// Long options (`--name`) mentioned in a text.
    static func longOptions(in text: String) -> Set<String> { matches(of: "--[a-z][a-z-]+", in: text) }

    /// Long options in a man page's OPTIONS section (`Fl -name`).
    static func manOptions(_ page: String) -> Set<String> {
        let section = page.components(separatedBy: ".Sh OPTIONS").last?.components(separatedBy: ".Sh ").first ?? ""
        return Set(matches(of: "Fl -([a-z][a-z-]+)", in: section, group: 1).map { "--" + $0 })
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

    /// Short options (`-n`) mentioned in a text.
    static func shortOptions(in text: String) -> Set<String> {
        matches(of: "(?<![\\w-])-[a-zA-Z](?=[ ,|\\]])", in: text)
    }

    /// Environment variables a help text's `environment:` section names: words with
    /// an underscore (`AGENTOPS_HOME`) and capitalised words that start a line (`TZ`).
    static func helpVariables(_ help: String) -> Set<String> {
        let section = help.components(separatedBy: "environment:").last?.components(separatedBy: "exit status").first ?? ""
        return Set(matches(of: "\\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\\b|^ +[A-Z]{2,}\\b", in: section,
                           options: .anchorsMatchLines).map { $0.trimmingCharacters(in: .whitespaces) })
    }

    /// Environment variables a man page's ENVIRONMENT section lists (`.It Ev NAME`).
    static func manVariables(_ page: String) -> Set<String> {
        let section = page.components(separatedBy: ".Sh ENVIRONMENT").last?.components(separatedBy: ".Sh ").first ?? ""
        let items = section.split(separator: "\n").filter { $0.hasPrefix(".It Ev ") }.joined(separator: "\n")
        // `AGENTOPS_RUN_UPSTREAM_ Ns Ar NAME` names a family by its prefix.
        return matches(of: "Ev ([A-Z][A-Z0-9_]*[A-Z0-9])", in: items, group: 1)
    }

    /// Every usage text of `agentops`: the global help and each command's own.
    static var agentopsHelp: String {
        (["sessions", "show", "stats", "export", "report", "prices", "prune", "sync", "event", "tags", "end"]
            .compactMap(AgentOpsCommand.usage(of:)) + [AgentOpsCommand.helpText]).joined(separator: "\n")
    }

    @Test("every option and environment variable is in --help, the man page and the README alike",
          arguments: ["agentops-run", "agentops"])
    func optionsAndEnvironmentEverywhere(_ program: String) throws {
        let page = try Self.read("man/\(program).1")
        let readme = try Self.read("README.md")
        let help = program == "agentops" ? Self.agentopsHelp : RunOptions.helpText
        let mainHelp = program == "agentops" ? AgentOpsCommand.helpText : RunOptions.helpText
        let options = Self.longOptions(in: help.components(separatedBy: "environment:").first ?? help)
        #expect(options.union(["--version", "--help"]) == Self.manOptions(page), "\(program): --help and man OPTIONS")
        for option in options {
            #expect(readme.contains(option), "README does not mention \(program) \(option)")
        }
        for short in Self.shortOptions(in: help) {
            let letter = short.dropFirst()
            #expect(page.contains("Fl \(letter)"), "the man page of \(program) does not mention \(short)")
            #expect(readme.contains("`\(short)"), "README does not mention \(program) \(short)")
        }
        let variables = Self.helpVariables(mainHelp)
        #expect(!variables.isEmpty)
        #expect(variables == Self.manVariables(page), "\(program): --help and man ENVIRONMENT")
        for variable in variables {
            #expect(readme.contains("`\(variable)"), "README does not mention \(program)'s \(variable)")
        }
        for required in ["AGENTOPS_PARENT_KEY", "NO_COLOR"] {
            #expect(variables.contains(required), "\(program) --help does not name \(required)")
        }
    }

    @Test("show, -n, -t, sync --quiet and the uploaded field are documented in --help, man and README")
    func namedFeatures() throws {
        let page = try Self.read("man/agentops.1")
        let readme = try Self.read("README.md")
        for (help, man, text) in [("  show ID", ".It Cm show", "`agentops show ID"), ("-n, --limit", "Fl n Ar n", "`-n`"),
                                  ("-t T", "Fl t Ar tag", "`-t`"), ("[-q|--quiet]", "Fl q , Fl -quiet", "`--quiet`"),
                                  ("\"uploaded\"", "Ql uploaded", "`uploaded`")] {
            #expect(Self.agentopsHelp.contains(help), "--help lacks \(help)")
            #expect(page.contains(man), "man lacks \(man)")
            #expect(readme.contains(text), "README lacks \(text)")
        }
    }

    @Test("each agentops command has its own --help")
    func commandUsages() {
        for command in ["sessions", "show", "stats", "export", "prune", "sync", "event", "tags", "end"] {
            #expect(AgentOpsCommand.usage(of: command)?.hasPrefix("usage: agentops \(command)") == true, "\(command)")
        }
        #expect(AgentOpsCommand.usage(of: "prices")?.hasPrefix("usage: agentops [--prices FILE] prices") == true)
    }

    /// Runs `executable` with `arguments` (in `directory` when given); nil when it
    /// cannot be found.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                    in directory: String? = nil) -> (status: Int32, output: String)? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        process.currentDirectoryURL = directory.map { URL(fileURLWithPath: $0) }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        guard (try? process.run()) != nil else { return nil }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    @Test("mandoc -Tlint finds nothing in either man page (.ci/run installs mandoc)")
    func mandocLint() throws {
        let which = Self.run("sh", ["-c", "command -v mandoc && command -v makewhatis"])
        try #require(which?.status == 0, "mandoc is not installed: apt-get install -y mandoc (as .ci/run does)")
        // Installed side by side, as scripts/install puts them, so that each page's
        // cross-reference to the other resolves; -W style is every message but the
        // base-system conventions of the OS mandoc comes from.
        let folder = ScratchFolder.make("agentops-man")
        try FileManager.default.createDirectory(atPath: folder + "/man1", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let pages = ["agentops-run.1", "agentops.1"].map { Self.root + "/man/" + $0 }
        for page in pages {
            try FileManager.default.copyItem(atPath: page, toPath: folder + "/man1/" + (page as NSString).lastPathComponent)
        }
        #expect(Self.run("makewhatis", [folder])?.status == 0)
        let lint = try #require(Self.run("mandoc", ["-Tlint", "-W", "style", "-m", folder] + pages))
        let messages = lint.output.split(separator: "\n").filter { !$0.contains("outdated mandoc.db") }
        #expect(lint.status == 0 && messages.isEmpty, "\(lint.output)")
    }

    @Test("man renders quotes unnested (no ‘a, ‘b’’)")
    func manRendering() throws {
        try #require(Self.run("sh", ["-c", "command -v man"])?.status == 0, "man is not installed (.ci/run installs it)")
        for page in ["agentops-run.1", "agentops.1"] {
            let rendered = try #require(Self.run("man", ["-l", Self.root + "/man/" + page],
                                                 environment: ["MANWIDTH": "200", "LC_ALL": "C.UTF-8",
                                                               "MANPAGER": "cat", "PAGER": "cat"]))
            #expect(rendered.status == 0)
            #expect(rendered.output.contains("‘"), "\(page) rendered without quotes")
            // An opening quote followed by another before its closing one is a nested Ql.
            let nested = try NSRegularExpression(pattern: "‘[^’\n]*‘")
            let text = rendered.output
            let hits = nested.matches(in: text, range: NSRange(text.startIndex..., in: text))
                .compactMap { Range($0.range, in: text).map { String(text[$0]) } }
            #expect(hits.isEmpty, "\(page): \(hits)")
        }
    }

    @Test("the folders of AgentOpsKit depend only downwards, as the README draws them (scripts/folder-deps)")
    func noFolderCycles() throws {
        let result = try #require(Self.run("python3", [Self.root + "/scripts/folder-deps"], in: Self.root))
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.hasSuffix("no cycles\n"))
    }

    @Test("system calls stay behind Platform: no other file imports or calls the C library (scripts/platform-seam)")
    func platformSeam() throws {
        // The objects of this very build: the test runner sits in the build folder.
        let runner = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        let build = (runner as NSString).deletingLastPathComponent
        let result = try #require(Self.run("python3", [Self.root + "/scripts/platform-seam", build], in: Self.root))
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("files outside Platform call no C library function"), "\(result.output)")
    }
}
