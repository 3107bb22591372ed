/// The attribute names agents send over and over, shared instead of made anew for every
/// attribute of every span.
///
/// A name over 15 bytes is not a small string in Swift: decoding it allocated storage for
/// it, and freeing the batch freed it again, for each of the dozen attributes of an LLM
/// span. A name found here is this table's `String` instead (a reference count, no copy).
/// The table is fixed (the GenAI, OpenLLMetry, OpenInference and AgentOps names the span
/// mapping reads, and the flattened messages' first indexes) and built on first use.
enum OTLPAttributeKeys {
    /// The shared string for a name spelled by `bytes`, or nil when it is not one of them.
    static func shared(_ bytes: UnsafeRawBufferPointer) -> String? {
        guard bytes.count > 15 else { return nil }
        let table = Self.table
        var slot = hash(bytes) & table.mask
        while true {
            let index = Int(table.slots[slot])
            if index == 0 { return nil }
            let key = table.keys[index - 1]
            if key.bytes.count == bytes.count,
               key.bytes.withUnsafeBytes({ ByteSearch.equal($0.baseAddress!, bytes.baseAddress!, count: bytes.count) }) {
                return key.string
            }
            slot = (slot + 1) & table.mask
        }
    }

    /// FNV-1a, folded: the names differ in their last bytes as often as in their first.
    @inline(__always)
    static func hash(_ bytes: UnsafeRawBufferPointer) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return Int(truncatingIfNeeded: hash ^ (hash >> 32))
    }

    private struct Table: Sendable {
        var keys: [(string: String, bytes: [UInt8])]
        var slots: [Int32]
        var mask: Int
    }

    private static let table: Table = {
        var names = [
            "agentops.span.kind", "gen_ai.operation.name", "traceloop.span.kind", "openinference.span.kind",
            "gen_ai.tool.name", "gen_ai.request.model", "gen_ai.response.model", "gen_ai.provider.name",
            "llm.request.model", "gen_ai.request.type", "llm.request.type", "agentops.session.end_state",
            "agentops.entity.input", "agentops.entity.output", "gen_ai.agent.name", "traceloop.entity.name",
            "traceloop.entity.input", "traceloop.entity.output", "agentops.tool.input", "agentops.tool.output",
            "tool.parameters", "gen_ai.tool.call.arguments", "gen_ai.tool.call.result", "gen_ai.usage.total_cost",
            "llm.response.model_name", "llm.response.model", "gen_ai.usage.prompt_tokens",
            "gen_ai.usage.input_tokens", "llm.usage.prompt_tokens", "llm.token_count.prompt",
            "gen_ai.usage.completion_tokens", "gen_ai.usage.output_tokens", "llm.usage.completion_tokens",
            "llm.token_count.completion", "gen_ai.usage.cache_read_input_tokens",
            "gen_ai.usage.cache_read.input_tokens", "llm.token_count.prompt_details.cache_read",
            "gen_ai.usage.total_tokens", "llm.usage.total_tokens", "llm.token_count.total", "gen_ai.response.id",
            "gen_ai.response.finish_reasons", "gen_ai.input.messages", "gen_ai.output.messages",
            "gen_ai.system_instructions", "gen_ai.request.temperature", "gen_ai.request.max_tokens",
            "gen_ai.request.top_p", "gen_ai.request.frequency_penalty", "gen_ai.request.presence_penalty",
            "gen_ai.request.stop_sequences", "gen_ai.request.seed", "gen_ai.request.streaming",
            "gen_ai.conversation.id", "gen_ai.agent.id", "gen_ai.agent.description", "gen_ai.tool.call.id",
            "gen_ai.tool.description", "gen_ai.tool.type", "http.response.status_code", "http.status_code",
            "exception.message", "exception.stacktrace", "exception.escaped", "agentops.legacy.end_state_reason",
            "agentops.session.end_state_reason", "agentops.operation.name", "agentops.entity.name",
            "agentops.span.name", "llm.invocation_parameters", "llm.function_call", "openinference.span.kind",
            "input.mime_type", "output.mime_type", "telemetry.sdk.language", "telemetry.sdk.version",
            "telemetry.sdk.name", "service.instance.id", "agentops.project.id",
        ]
        for kind in ["agent", "task", "workflow", "operation", "guardrail", "chain", "tool", "entity"] {
            names += ["agentops.\(kind).input", "agentops.\(kind).output"]
        }
        for index in 0..<16 {
            names += ["gen_ai.prompt.\(index).role", "gen_ai.prompt.\(index).content",
                      "llm.input_messages.\(index).message.role", "llm.input_messages.\(index).message.content"]
        }
        for index in 0..<4 {
            names += ["gen_ai.completion.\(index).role", "gen_ai.completion.\(index).content",
                      "gen_ai.completion.\(index).finish_reason",
                      "llm.output_messages.\(index).message.role", "llm.output_messages.\(index).message.content"]
        }
        var keys: [(string: String, bytes: [UInt8])] = []
        var size = 16
        while size < names.count * 4 { size <<= 1 }
        var slots = [Int32](repeating: 0, count: size)
        for name in names where name.utf8.count > 15 {
            let bytes = Array(name.utf8)
            var slot = bytes.withUnsafeBytes { hash($0) } & (size - 1)
            var known = false
            while slots[slot] != 0 {
                if keys[Int(slots[slot]) - 1].bytes == bytes { known = true }
                slot = (slot + 1) & (size - 1)
            }
            if known { continue }
            keys.append((name, bytes))
            slots[slot] = Int32(keys.count)
        }
        return Table(keys: keys, slots: slots, mask: size - 1)
    }()
}
