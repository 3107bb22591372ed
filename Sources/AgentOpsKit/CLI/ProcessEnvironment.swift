import Foundation

/// The process environment as a dictionary.
public enum ProcessEnvironment {
    /// This process's environment.
    public static var current: [String: String] { ProcessInfo.processInfo.environment }
}
