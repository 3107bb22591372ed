import Glibc

extension Descriptors {
    /// Whether `fd` is a terminal (`isatty`): decides colour, paging and prompts.
    public static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }
}
