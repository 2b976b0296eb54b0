#!/usr/bin/env python3
"""pty_run.py - run a command on a pseudo-terminal of a fixed size.

usage: pty_run.py [--cols N] [--rows N] [--stdout FILE] [--stderr FILE]
                  OUT -- CMD [ARG...]

The command's stdout and stderr are the terminal (unless --stdout or
--stderr sends one to a file instead), its stdin is /dev/null. Everything
it writes to the terminal lands in OUT byte for byte: output processing
is off, so a "\\n" stays a "\\n" and every "\\r" in OUT is the program's
own. Exits with the command's exit code (128 + N when signal N ended it).
The terminal is a new session's controlling terminal, as in a login.
"""
import argparse
import fcntl
import os
import struct
import sys
import termios
import tty


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--cols", type=int, default=80)
    p.add_argument("--rows", type=int, default=24)
    p.add_argument("--stdout")
    p.add_argument("--stderr")
    p.add_argument("out")
    p.add_argument("cmd", nargs=argparse.REMAINDER)
    a = p.parse_args()
    cmd = a.cmd[1:] if a.cmd[:1] == ["--"] else a.cmd
    if not cmd:
        p.error("no command")
    master, slave = os.openpty()
    tty.setraw(slave)
    fcntl.ioctl(slave, termios.TIOCSWINSZ,
                struct.pack("HHHH", a.rows, a.cols, 0, 0))
    pid = os.fork()
    if pid == 0:
        os.close(master)
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        for fd, path in ((1, a.stdout), (2, a.stderr)):
            if path:
                os.dup2(os.open(path, os.O_WRONLY | os.O_CREAT |
                                os.O_TRUNC, 0o644), fd)
            else:
                os.dup2(slave, fd)
        os.closerange(3, 256)
        try:
            os.execvp(cmd[0], cmd)
        except OSError as e:
            sys.stderr.write("pty_run.py: %s: %s\n" % (cmd[0], e))
            os._exit(127)
    os.close(slave)
    with open(a.out, "wb") as out:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:		# EIO: every writer has gone
                break
            if not data:
                break
            out.write(data)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        sys.exit(128 + os.WTERMSIG(status))
    sys.exit(os.WEXITSTATUS(status))


if __name__ == "__main__":
    main()
