// A bare Foundation `Process` launch with a termination handler and a semaphore:
// the floor for any Swift wrapper built on Foundation (issue 7's start-up baseline).
import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
let process = Process()
process.executableURL = URL(fileURLWithPath: arguments[0])
process.arguments = Array(arguments.dropFirst())
let done = DispatchSemaphore(value: 0)
process.terminationHandler = { _ in done.signal() }
try process.run()
done.wait()
exit(process.terminationStatus)
