import Glibc

/// How much stack a piece of work really uses: it runs on a thread whose stack is a
/// buffer painted with a pattern beforehand, and the deepest byte no longer holding the
/// pattern afterwards is its high-water mark (glibc's thread descriptor and static TLS,
/// at the top of a given stack, count too: they take the same room on a real thread).
enum StackHighWater {
    private static let paint: UInt8 = 0xA5

    /// Runs `body` on a new thread with a stack of `stackBytes` and returns the most of
    /// that stack it used, in bytes.
    static func measure(stackBytes: Int = 16 << 20, _ body: @escaping () -> Void) -> Int {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let stack = UnsafeMutableRawPointer.allocate(byteCount: stackBytes, alignment: page)
        defer { stack.deallocate() }
        stack.initializeMemory(as: UInt8.self, repeating: paint, count: stackBytes)
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setstack(&attributes, stack, stackBytes)
        let box = Unmanaged.passRetained(Body(body)).toOpaque()
        var thread = pthread_t()
        let created = pthread_create(&thread, &attributes, { argument in
            Unmanaged<Body>.fromOpaque(argument!).takeRetainedValue().run()
            return nil
        }, box)
        precondition(created == 0, "pthread_create: \(created)")
        pthread_join(thread, nil)
        let bytes = stack.assumingMemoryBound(to: UInt8.self)
        var lowest = 0
        while lowest < stackBytes, bytes[lowest] == paint { lowest += 1 }
        return stackBytes - lowest
    }

    private final class Body {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }
}
