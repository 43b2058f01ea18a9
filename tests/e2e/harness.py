"""Starts the real echo-server binary and talks to it through real sockets.

Every wait here is a condition polled against a deadline; nothing sleeps to let
something happen."""
import contextlib
import ctypes
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

BINARY = os.environ.get("ECHO_SERVER", "echo-server")
BENCH = os.environ.get("ECHO_BENCH", "echo-bench")
# The whole suite runs once per engine; ctest sets this.
ENGINE = os.environ.get("ECHO_ENGINE", "")
ENGINE_ARGS = ["--engine", ENGINE] if ENGINE else []
SANITIZED = os.environ.get("ECHO_SANITIZED", "0") in ("1", "ON", "TRUE", "true")
# Sanitized builds run several times slower; deadlines stretch, assertions do not.
SLOW = 4 if SANITIZED else 1


def wait_until(condition, timeout, what):
    """Polls `condition` until it returns a true value or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout * SLOW
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout * SLOW} s waiting for {what}")
        time.sleep(0.01)


class Server:
    """One echo-server process; stderr goes to a file the test can read."""

    def __init__(self, *args, preexec_fn=None, expect_lines=1, user_prefix=(), env=None,
                 program=None):
        self.log = tempfile.NamedTemporaryFile(prefix="echo-server-", suffix=".log")
        self.proc = subprocess.Popen(
            [*user_prefix, *(program or [BINARY, *ENGINE_ARGS]), *args], stdout=subprocess.PIPE,
            stderr=self.log,
            stdin=subprocess.DEVNULL, preexec_fn=preexec_fn,
            env=None if env is None else {**os.environ, **env})
        self.pid = self.proc.pid
        self._pending = b""
        self.lines, self.urls, self.port = [], [], None
        self.read_lines(expect_lines)

    def read_lines(self, count):
        """Reads `count` more "listening on" lines (a socket-activated server prints
        them only once its first client made the service manager start it)."""
        self.lines += [self._read_line() for _ in range(count)]
        self.urls = [line.removeprefix("listening on ") for line in self.lines]
        tail = self.urls[0].rsplit(":", 1)[-1] if self.urls else ""
        self.port = int(tail) if tail.isdigit() else None  # None for unix: listeners

    def _read_line(self):
        # Raw reads on the pipe: a buffered reader could hold the next line where
        # select() cannot see it.
        deadline = time.monotonic() + 10 * SLOW
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._pending:
            sel = selectors.DefaultSelector()
            sel.register(fd, selectors.EVENT_READ)
            left = deadline - time.monotonic()
            chunk = os.read(fd, 4096) if left > 0 and sel.select(timeout=left) else b""
            if not chunk:
                self.kill()
                raise AssertionError("no 'listening on' line within 10 s; log: " + self.stderr())
            self._pending += chunk
        raw, self._pending = self._pending.split(b"\n", 1)
        line = raw.decode()
        if not line.startswith("listening on "):
            self.kill()
            raise AssertionError(f"unexpected line {line!r}; log: {self.stderr()}")
        return line

    def connect(self, host="127.0.0.1", timeout=30):
        s = socket.create_connection((host, self.port), timeout=timeout * SLOW)
        return s

    def stderr(self):
        with open(self.log.name, encoding="utf-8", errors="replace") as f:
            return f.read()

    def wait_log(self, text, timeout=10):
        return wait_until(lambda: text in self.stderr(), timeout, f"log line {text!r}")

    def signal(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)

    def wait_exit(self, timeout=10):
        try:
            return self.proc.wait(timeout=timeout * SLOW)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"server still running {timeout * SLOW} s later")

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stop(self):
        if self.proc.poll() is None:
            self.signal(signal.SIGTERM)
            self.wait_exit()
        self.proc.stdout.close()  # the log stays readable until the Server is dropped

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if exc[0]:
            code = self.proc.poll()
            self.kill()
            sys.stderr.write(f"--- echo-server (pid {self.pid}, exit {code}) stderr:\n"
                             f"{self.stderr()[-4000:]}\n---\n")
        else:
            self.stop()

    # Facts read from /proc.
    def fd_count(self):
        return len(os.listdir(f"/proc/{self.pid}/fd"))

    def rss_bytes(self):
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        raise AssertionError("no VmRSS")

    def cpu_seconds(self):
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


_libc = ctypes.CDLL(None, use_errno=True)
_SYS_PIDFD_OPEN, _SYS_PIDFD_GETFD = 434, 438


def server_socket(server, matches, what):
    """The first socket of the server process for which `matches(sock)` holds,
    duplicated into this process with pidfd_getfd(2), so its options are read with
    getsockopt. The caller closes it."""
    pidfd = _libc.syscall(_SYS_PIDFD_OPEN, server.pid, 0)
    if pidfd < 0:
        raise OSError(ctypes.get_errno(), "pidfd_open")
    try:
        for name in os.listdir(f"/proc/{server.pid}/fd"):
            with contextlib.suppress(FileNotFoundError):
                if not os.readlink(f"/proc/{server.pid}/fd/{name}").startswith("socket:"):
                    continue
            fd = _libc.syscall(_SYS_PIDFD_GETFD, pidfd, int(name), 0)
            if fd < 0:
                continue
            s = socket.socket(fileno=fd)
            try:
                if matches(s):
                    return s
            except OSError:
                pass
            s.close()
    finally:
        os.close(pidfd)
    raise AssertionError(f"the server holds no {what}")


def server_side_socket(server, client):
    """The server's own descriptor for `client`'s TCP connection."""
    want = client.getsockname()[:2]

    def matches(s):
        # A dual-stack listener sees an IPv4 client as ::ffff:a.b.c.d.
        if s.type != socket.SOCK_STREAM or s.family not in (socket.AF_INET, socket.AF_INET6):
            return False
        host, port = s.getpeername()[:2]
        return (host.removeprefix("::ffff:"), port) == want
    return server_socket(server, matches, "socket for this client")


def server_bound_socket(server, kind, address):
    """One of the server's listening (SOCK_STREAM) or UDP (SOCK_DGRAM) sockets bound
    to `address`, as getsockname gives it."""
    def matches(s):
        if s.type != kind or s.getsockname() != address:
            return False
        # Accepted TCP connections share the listener's local address; they have a peer.
        return kind != socket.SOCK_STREAM or s.getsockopt(socket.SOL_SOCKET,
                                                          socket.SO_ACCEPTCONN) == 1
    return server_socket(server, matches, f"socket bound to {address}")


def run_server(*args, timeout=10, user_prefix=()):
    """Runs echo-server to completion (for bad input): (exit code, stdout, stderr)."""
    p = subprocess.run([*user_prefix, BINARY, *ENGINE_ARGS, *args], capture_output=True, text=True,
                       stdin=subprocess.DEVNULL, timeout=timeout * SLOW)
    return p.returncode, p.stdout, p.stderr


def echo_while_sending(sock, payload, chunk=65536):
    """Sends `payload` from a thread while this thread reads; returns what came back
    (all of it, or what arrived before the server closed)."""
    errors = []

    def sender():
        try:
            view = memoryview(payload)
            for at in range(0, len(view), chunk):
                sock.sendall(view[at:at + chunk])
        except OSError as e:
            errors.append(e)

    t = threading.Thread(target=sender)
    t.start()
    got = bytearray()
    while len(got) < len(payload):
        data = sock.recv(min(1 << 20, len(payload) - len(got)))
        if not data:
            break
        got += data
    t.join()
    if errors:
        raise errors[0]
    return bytes(got)


def exchange_many(socks, payloads, timeout=60):
    """Sends each payload on its socket and reads it back, all sockets at once.
    Returns the list of echoed byte strings."""
    sel = selectors.DefaultSelector()
    state = {}
    for s, p in zip(socks, payloads):
        s.setblocking(False)
        state[s] = {"out": memoryview(p), "got": bytearray(), "want": len(p)}
        sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
    open_count = len(socks)
    deadline = time.monotonic() + timeout * SLOW
    while open_count:
        if time.monotonic() > deadline:
            raise AssertionError(f"{open_count} clients not done after {timeout * SLOW} s")
        for key, events in sel.select(timeout=1):
            s, st = key.fileobj, state[key.fileobj]
            if events & selectors.EVENT_WRITE and st["out"]:
                n = s.send(st["out"][:65536])
                st["out"] = st["out"][n:]
                if not st["out"]:
                    sel.modify(s, selectors.EVENT_READ)
            if events & selectors.EVENT_READ:
                data = s.recv(65536)
                st["got"] += data
                if not data or len(st["got"]) >= st["want"]:
                    sel.unregister(s)
                    open_count -= 1
    return [bytes(state[s]["got"]) for s in socks]


def run_bench(*args, timeout=60):
    """Runs echo-bench with --json; returns (exit code, parsed report or None, stderr)."""
    p = subprocess.run([BENCH, "--json", *args], capture_output=True, text=True,
                       stdin=subprocess.DEVNULL, timeout=timeout * SLOW)
    report = json.loads(p.stdout) if p.stdout.strip().startswith("{") else None
    return p.returncode, report, p.stderr


def scrape(url, timeout=10):
    """GETs `url` with curl (a real HTTP client); returns (status code, body)."""
    p = subprocess.run(["curl", "-sS", "--max-time", str(timeout * SLOW), "-w", "\n%{http_code}",
                        url], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if p.returncode != 0:
        raise AssertionError(f"curl {url}: {p.stderr.strip()}")
    body, _, code = p.stdout.rpartition("\n")
    return int(code), body


def parse_metrics(text):
    """Prometheus text -> {(name, frozenset(labels.items())): value}."""
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        series, value = line.rsplit(" ", 1)
        name, _, rest = series.partition("{")
        labels = {}
        for pair in filter(None, rest.rstrip("}").split('",')):
            k, v = pair.split("=", 1)
            labels[k] = v.strip('"')
        samples[(name, frozenset(labels.items()))] = float(value)
    return samples


def metric(samples, name, **labels):
    """Sum of `name` over every series whose labels include `labels`."""
    want = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and want <= set(ls))
