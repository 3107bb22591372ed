/// An LLM call's prompt and completion as the messages of a conversation.
///
/// Recorders send these in several shapes: the SDK a list of `{role, content}`
/// messages (or `{"messages": [...]}`), `agentops event llm` plain text, providers'
/// content as a list of parts. Anything else is shown as its JSON.
public enum Conversation {
    /// One message.
    public struct Message: Sendable, Equatable {
        /// `system`, `user`, `assistant`, `tool`, …
        public var role: String
        /// Its text.
        public var text: String
    }

    /// The messages of `value`, a prompt or a completion; `role` for plain text.
    public static func messages(_ value: JSONValue?, role: String) -> [Message] {
        guard let value, !value.isNull else { return [] }
        if let text = value.stringValue { return [Message(role: role, text: text)] }
        if let list = value.arrayValue {
            if list.allSatisfy({ $0["role"] != nil || $0["content"] != nil }) {
                return list.map { message(from: $0, role: role) }
            }
            return [Message(role: role, text: jsonText(value))]
        }
        if let messages = value["messages"]?.arrayValue { return messages.map { message(from: $0, role: role) } }
        if value["role"] != nil || value["content"] != nil { return [message(from: value, role: role)] }
        // OpenAI-style completions: {"choices": [{"message": {...}}]}.
        if let choices = value["choices"]?.arrayValue {
            let found = choices.compactMap { $0["message"] }
            if !found.isEmpty { return found.map { message(from: $0, role: role) } }
        }
        return [Message(role: role, text: jsonText(value))]
    }

    private static func message(from object: JSONValue, role: String) -> Message {
        let name = object["role"]?.stringValue ?? role
        guard let content = object["content"], !content.isNull else {
            // A tool-calling message has no content but says what it calls.
            let calls = object["tool_calls"] ?? object["function_call"]
            return Message(role: name, text: calls.map(jsonText) ?? "")
        }
        if let text = content.stringValue { return Message(role: name, text: text) }
        if let parts = content.arrayValue {
            let texts = parts.map { $0.stringValue ?? $0["text"]?.stringValue ?? jsonText($0) }
            return Message(role: name, text: texts.joined(separator: "\n"))
        }
        return Message(role: name, text: jsonText(content))
    }

    /// `value` as compact JSON text.
    static func jsonText(_ value: JSONValue) -> String { String(decoding: JSONWriter.compact(value), as: UTF8.self) }
}
