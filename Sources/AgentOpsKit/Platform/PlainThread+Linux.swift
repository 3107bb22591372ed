import Glibc

/// agentops-run's own threads, created straight with `pthread_create`.
///
/// Foundation's `Thread` sets up its own bookkeeping on each new thread (the `Thread`
/// object behind `Thread.current`, its name) and, for the first one in a process, the
/// runtime metadata of that machinery: measured here, the first `Thread` started running
/// about 0.1 ms later than a plain thread, and each cost its creator about 10–20 µs more
/// (issue 18: six threads are started on the way to the command's start and just after
/// it). None of agentops-run's threads use what Foundation adds (run loops,
/// `Thread.current`, a thread dictionary), so they are plain threads.
public enum PlainThread {
    /// The stack of such a thread unless its starter chooses one: what a main thread gets
    /// by default, whatever `ulimit -s` says, so that the JSON parser's recursion (up to
    /// `JSONParser.maxNesting`) fits on any thread that parses. A run starts a handful of
    /// these; a thread started per client (the listener's) chooses a measured size
    /// instead, since each reserves its whole stack of address space (`ulimit -v`).
    public static let stackSize = 8 << 20

    /// The stack of a thread started per client (the SDK listener's connections, the LLM
    /// proxy's): each reserves its whole stack of address space, so 32 of them on 8 MiB
    /// took 256 MiB and under `ulimit -v` the run died of it. The deepest work on them
    /// is parsing and recording the deepest body a client may send: on a painted stack
    /// that took 80 KB optimised and 644 KB unoptimised (`ListenerStackTests` measures
    /// it on every run and wants 4 times that), so 512 KiB, or 4 MiB in a debug build.
    #if DEBUG
    public static let clientStackSize = 4 << 20
    #else
    public static let clientStackSize = 512 << 10
    #endif

    /// Starts `body` on a new detached thread named `name` (cut to the 15 bytes Linux
    /// keeps, as `ps` and `/proc/PID/task/TID/comm` show it), with a stack of
    /// `stackSize` bytes. The thread gets the creating thread's signal mask, as any new
    /// thread does.
    ///
    /// - Parameter stackSize: at least `PTHREAD_STACK_MIN`; glibc adds a guard page below.
    ///
    /// - Returns: false when the system refused a thread (`EAGAIN`: `ulimit -u`, or out
    ///   of memory; `errno` says which), and `body` will not run: the caller goes on
    ///   without it (`SystemError()` gives the reason). Foundation's `Thread` failed
    ///   silently in that case, and a run then hung waiting for a thread that never ran
    ///   (round 6's hostile pass, `ulimit -u 5`).
    @discardableResult
    public static func start(name: String, stackSize: Int = stackSize,
                             _ body: @escaping @Sendable () -> Void) -> Bool {
        create(Job(name: name, body: body), stackSize: stackSize, detached: true) != nil
    }

    /// Starts `job` on a new thread with `stackSize` bytes of stack, detached or to be
    /// joined; nil (with `errno` set) when the system refused it.
    private static func create(_ job: Job, stackSize: Int, detached: Bool) -> pthread_t? {
        let argument = Unmanaged.passRetained(job).toOpaque()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setstacksize(&attributes, stackSize)
        if detached { pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED)) }
        var thread = pthread_t()
        let result = pthread_create(&thread, &attributes, { argument in
            guard let argument else { return nil }
            let job = Unmanaged<Job>.fromOpaque(argument).takeRetainedValue()
            job.name.withCString { _ = cSetThreadName(pthread_self(), $0) }
            job.body()
            return nil
        }, argument)
        guard result == 0 else {
            Unmanaged<Job>.fromOpaque(argument).release()
            errno = result
            return nil
        }
        return thread
    }

    /// Gives threads that others start (Foundation's process manager, Dispatch's
    /// workers) a stack of at least `stackSize`.
    ///
    /// glibc gives a thread started without a stack size the soft `ulimit -s` (2 MiB
    /// when unlimited). Under `ulimit -s 32` Foundation's first thread got 32 KiB, less
    /// than its thread-local storage, and agentops-run died of SIGSEGV before starting
    /// the command. Call once, first thing in an executable, before any thread exists;
    /// the command still gets the user's limit.
    public static func raiseDefaultStack() {
        var attributes = pthread_attr_t()
        guard cGetDefaultThreadAttributes(&attributes) == 0 else { return }
        defer { pthread_attr_destroy(&attributes) }
        var size = 0
        guard pthread_attr_getstacksize(&attributes, &size) == 0, size < stackSize,
              pthread_attr_setstacksize(&attributes, stackSize) == 0 else {
            return
        }
        _ = cSetDefaultThreadAttributes(&attributes)
    }

    /// Runs `body` and returns what it returns: on a thread of `stackSize` when the main
    /// thread's stack (`ulimit -s`) is smaller, waiting for it, else right here.
    ///
    /// The readers of the `agentops` tool recurse as deep as a stored value nests (up to
    /// `JSONParser.maxNesting`): on a main thread of 64 KiB, `agentops show` of an event
    /// nested 510 deep died of SIGSEGV (round 7's hostile pass). When no thread can be
    /// had, `body` runs here all the same.
    public static func runWithFullStack(_ body: @escaping @Sendable () -> Int32) -> Int32 {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_STACK.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max,
              limit.rlim_cur < rlim_t(stackSize) else {
            return body()
        }
        /// `@unchecked Sendable`: written by the thread, read after it was joined.
        final class Status: @unchecked Sendable { var value: Int32 = 0 }
        let status = Status()
        guard let thread = create(Job(name: "agentops", body: { status.value = body() }), stackSize: stackSize,
                                  detached: false) else {
            return body()
        }
        pthread_join(thread, nil)
        return status.value
    }

    private final class Job {
        let name: String
        let body: @Sendable () -> Void

        init(name: String, body: @escaping @Sendable () -> Void) {
            // Linux keeps 15 bytes and refuses a longer name (ERANGE); ours are ASCII.
            self.name = String(decoding: name.utf8.prefix(15), as: UTF8.self)
            self.body = body
        }
    }
}

/// glibc's `pthread_setname_np(3)`, which the Glibc module does not import (it needs
/// `_GNU_SOURCE`): a `pthread_t` (an unsigned long) and a C string in, an `int` out,
/// passed alike by Swift and C on the targets built for.
@_silgen_name("pthread_setname_np")
private func cSetThreadName(_ thread: pthread_t, _ name: UnsafePointer<CChar>) -> Int32

/// glibc's `pthread_getattr_default_np(3)` and `pthread_setattr_default_np(3)`, not
/// imported by the Glibc module either (`_GNU_SOURCE`): a pointer to a `pthread_attr_t`
/// in, an `int` out.
@_silgen_name("pthread_getattr_default_np")
private func cGetDefaultThreadAttributes(_ attributes: UnsafeMutablePointer<pthread_attr_t>) -> Int32
@_silgen_name("pthread_setattr_default_np")
private func cSetDefaultThreadAttributes(_ attributes: UnsafePointer<pthread_attr_t>) -> Int32
