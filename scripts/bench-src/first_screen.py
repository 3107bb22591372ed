#!/usr/bin/env python3
"""Times how long commands take to put their first screen on a terminal, as a user
sees it: each command runs under a fresh pseudo-terminal of ROWS x 200 (its stdin,
stdout and stderr), the clock starts just before the fork and stops when the terminal
has received ROWS - 1 screen rows (newlines, and lines wrapped at the 200th column;
a pager such as `less -FRX` has then drawn a full screen and waits at its prompt). Then `q` is typed, and the command must exit within
10 s. Rounds are interleaved: each round runs every command once, in turn.

Prints one line per run: "<command index> <ns to the first screen> <ns to exit>".

Usage: first_screen.py ROUNDS ROWS COMMAND-JSON...   (each command a JSON array)
"""
import fcntl, json, os, pty, select, struct, sys, termios, time


def first_screen(argv, rows):
    master, slave = pty.openpty()
    # The size is set before the child exists, so its first look at it is right.
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, 200, 0, 0))
    start = time.monotonic_ns()
    pid = os.fork()
    if pid == 0:
        os.close(master)
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        for fd in (0, 1, 2):
            os.dup2(slave, fd)
        os.execvp(argv[0], argv)
    os.close(slave)
    newlines, column, escape, screen = 0, 0, False, None
    deadline = start + 30_000_000_000
    while screen is None and time.monotonic_ns() < deadline:
        ready, _, _ = select.select([master], [], [], 1.0)
        if not ready:
            continue
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        for byte in chunk:
            # Screen rows: a newline ends one, so does the 200th column (a long line
            # wraps); escape sequences (colour) take no columns.
            if escape:
                escape = not (0x40 <= byte <= 0x7E and byte != 0x5B)
            elif byte == 0x1B:
                escape = True
            elif byte == 0x0A:
                newlines, column = newlines + 1, 0
            elif byte == 0x0D:
                column = 0
            elif byte >= 0x20 and (byte & 0xC0) != 0x80:
                column += 1
                if column > 200:
                    newlines, column = newlines + 1, 1
        if newlines >= rows - 1:
            screen = time.monotonic_ns() - start
    os.write(master, b"q")
    # Drain until the child closes the terminal, so it is never blocked on a full one.
    while True:
        ready, _, _ = select.select([master], [], [], 10.0)
        if not ready:
            break
        try:
            if not os.read(master, 65536):
                break
        except OSError:
            break
    _, status = os.waitpid(pid, 0)
    done = time.monotonic_ns() - start
    os.close(master)
    if screen is None:
        sys.exit(f"no first screen from {argv} (status {status}, {newlines} lines)")
    return screen, done


def main():
    rounds, rows = int(sys.argv[1]), int(sys.argv[2])
    commands = [json.loads(text) for text in sys.argv[3:]]
    for _ in range(rounds):
        for index, argv in enumerate(commands):
            screen, done = first_screen(argv, rows)
            print(index, screen, done, flush=True)


main()
