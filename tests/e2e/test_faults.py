"""Stream fault modes against the real server: each fault measured where a client
sees it (echo-bench's latencies, a raw socket's reads, EOF or ECONNRESET at an exact
byte count), toxicity's share and its seed, and a hostile peer sending into a long
delay that is paused, not buffered."""
import math
import shutil
import socket
import ssl
import struct
import tempfile
import threading
import time
import unittest

from harness import SLOW, Server, metric, parse_metrics, run_bench, scrape, wait_until
from tls_material import Pki

QUIET = ["--log-level", "warn"]
TCP_CLOSE = 7  # tcpi_state of a socket its peer reset
METRICS = ["--metrics", "tcp://127.0.0.1:0"]


def endpoint(url):
    host, port = url.split("://", 1)[1].rsplit(":", 1)
    return host.strip("[]"), int(port)


def connect(url, nodelay=False):
    s = socket.create_connection(endpoint(url), timeout=10 * SLOW)
    if nodelay:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_to_end(sock):
    """Bytes read until the server ends the stream, and how: 'eof' or 'reset'."""
    got = bytearray()
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                return bytes(got), "eof"
            got += data
    except ConnectionResetError:
        return bytes(got), "reset"


def pattern(n):
    return bytes((i * 131 + (i >> 8)) & 0xFF for i in range(n))


class LatencyTest(unittest.TestCase):
    def test_delay_and_jitter_as_echo_bench_measures_them(self):
        # The plain listener, loaded at the same message rate at the same time,
        # measures what loopback, the client and this machine's load add to any echo.
        with Server("--listen", "tcp://127.0.0.1:0?delay=200ms&jitter=50ms",
                    "--listen", "tcp://127.0.0.2:0", *QUIET, expect_lines=2) as server:
            reports = {}

            def bench(name, url, *shape):
                reports[name] = run_bench(url, "--duration", "2", "--warmup", "0.3",
                                          "--drain", "2", *shape)

            # As many connections and messages a second as the faulted run makes, so
            # the client's own cost per message is in the reference too.
            plain = threading.Thread(target=bench, args=("plain", server.urls[1], "--conns", "125",
                                                         "--rate", "550"))
            plain.start()
            bench("faulted", server.urls[0], "--conns", "125")
            plain.join()
            for name, (code, report, err) in reports.items():
                self.assertEqual(code, 0, f"{name}: {report} {err}")
                self.assertEqual(report["errors"]["total"], 0, name)
            faulted = reports["faulted"][1]["latency_us"]
            loopback = reports["plain"][1]["latency_us"]
            self.assertGreaterEqual(reports["faulted"][1]["messages"], 1000)
            self.assertGreaterEqual(faulted["min"], 200_000, faulted)
            # The worker's timers wake on whole milliseconds: up to 1 ms late.
            self.assertLessEqual(faulted["max"], 250_000 + 1_000 + loopback["max"],
                                 (faulted, loopback))
            self.assertGreaterEqual(faulted["mean"], 225_000 * 0.95, faulted)
            self.assertLessEqual(faulted["mean"], 225_000 * 1.05 + loopback["p50"],
                                 (faulted, loopback))

    def test_accept_delay_and_slow_close(self):
        with Server("--listen", "tcp://127.0.0.1:0?accept_delay=300ms",
                    "--listen", "tcp://127.0.0.2:0?slow_close=300ms", *QUIET,
                    expect_lines=2) as server:
            start = time.monotonic()
            with connect(server.urls[0]) as s:
                s.sendall(b"hello")
                self.assertEqual(s.recv(100), b"hello")
                self.assertGreaterEqual(time.monotonic() - start, 0.3)
            with connect(server.urls[1]) as s:
                s.sendall(b"bye")
                self.assertEqual(s.recv(100), b"bye")
                s.shutdown(socket.SHUT_WR)
                start = time.monotonic()
                self.assertEqual(read_to_end(s), (b"", "eof"))
                self.assertGreaterEqual(time.monotonic() - start, 0.3)

    def test_http_listener_is_delayed_too(self):
        with Server("--listen", "http://127.0.0.1:0?delay=300ms", *QUIET) as server:
            start = time.monotonic()
            code, body = scrape(server.urls[0] + "/?format=body")
            self.assertEqual(code, 200)
            self.assertGreaterEqual(time.monotonic() - start, 0.3)


class ShapeTest(unittest.TestCase):
    def test_slices_are_read_as_slices(self):
        gap = 0.05
        with Server("--listen", "tcp://127.0.0.1:0?slice=100,20,50ms", *QUIET) as server, \
                connect(server.urls[0], nodelay=True) as s:
            sent = pattern(1500)
            s.sendall(sent)
            reads, got, last = [], b"", time.monotonic()
            while len(got) < len(sent):
                data = s.recv(65536)
                self.assertTrue(data, "EOF before the echo ended")
                now = time.monotonic()
                reads.append((len(data), now - last))
                got, last = got + data, now
            self.assertEqual(got, sent)
            # A read holds one slice (the last is whatever was left), unless this
            # reader came late, over one gap, and found several waiting.
            for n, waited in reads[:-1]:
                self.assertTrue(80 <= n <= 120 or (waited > 1.5 * gap and n <= 120 * 3), reads)
            clean = sum(80 <= n <= 120 for n, _ in reads[:-1])
            self.assertGreaterEqual(clean, 0.8 * (len(reads) - 1), reads)
            self.assertGreaterEqual(len(reads), 1500 // 120 * 0.8)

    def test_rate_holds_the_bandwidth(self):
        # One second and a half here, after the bucket's first quantum; bench/fault-rate
        # measures the ten.
        rate = 1 << 20
        with Server("--listen", f"tcp://127.0.0.1:0?rate={rate}", *QUIET) as server, \
                connect(server.urls[0]) as s:
            sent = b"r" * (2 * rate)
            sender = threading.Thread(target=s.sendall, args=(sent,))
            sender.start()
            got, samples = 0, []
            while got < len(sent):
                data = s.recv(65536)
                self.assertTrue(data)
                got += len(data)
                samples.append((time.monotonic(), got))
            s.shutdown(socket.SHUT_WR)
            sender.join()
            start = next(x for x in samples if x[0] >= samples[0][0] + 0.25)
            end = next(x for x in samples if x[0] >= start[0] + 1.5)
            measured = (end[1] - start[1]) / (end[0] - start[0])
            self.assertAlmostEqual(measured / rate, 1.0, delta=0.05)


class CutTest(unittest.TestCase):
    def test_close_after_and_reset_after_end_at_exactly_the_count(self):
        with Server("--listen", "tcp://127.0.0.1:0?close_after=10KiB",
                    "--listen", "tcp://127.0.0.2:0?reset_after=10KiB",
                    "--listen", "tcp://127.0.0.3:0?stall_after=100&stall_for=300ms",
                    *QUIET, *METRICS, expect_lines=4) as server:
            sent = pattern(16384)
            for url, end in ((server.urls[0], "eof"), (server.urls[1], "reset")):
                with self.subTest(end=end), connect(url) as s:
                    s.sendall(sent)
                    got, how = read_to_end(s)
                    self.assertEqual(how, end)
                    self.assertEqual(got, sent[:10240])
            with connect(server.urls[2]) as s:
                s.sendall(sent[:1000])
                start = time.monotonic()
                got, _ = read_to_end(s)
                self.assertEqual(got, sent[:100])
                self.assertGreaterEqual(time.monotonic() - start, 0.3)
            samples = parse_metrics(scrape(server.urls[-1])[1])
            for fault in ("close_after", "reset_after", "stall"):
                self.assertEqual(metric(samples, "echo_faulted_connections_total", fault=fault),
                                 1, fault)
            self.assertEqual(metric(samples, "echo_fault_bytes_reset_total"), 16384 - 10240)


class TlsTest(unittest.TestCase):
    def test_faults_reach_through_tls(self):
        # The cut counts the echo's plaintext; a reset says no close_notify.
        tmp = tempfile.mkdtemp(prefix="echo-faults-tls-")
        try:
            pki = Pki(tmp)
            cert, key = pki.server("localhost", serial=0x2001)
            tls = f"cert={cert}&key={key}"
            with Server("--listen", f"tls://127.0.0.1:0?{tls}&delay=200ms&close_after=1000",
                        "--listen", f"tls://127.0.0.2:0?{tls}&reset_after=1000", *QUIET,
                        expect_lines=2) as server:
                ctx = ssl.create_default_context(cafile=pki.ca_cert)
                for url, end in ((server.urls[0], "eof"), (server.urls[1], "reset")):
                    with self.subTest(end=end), \
                            ctx.wrap_socket(connect(url), server_hostname="localhost",
                                            suppress_ragged_eofs=False) as t:
                        sent = pattern(1500)
                        start = time.monotonic()
                        t.sendall(sent)
                        got, how = bytearray(), None
                        try:
                            while True:
                                data = t.recv(65536)
                                if not data:
                                    how = "eof"  # after the server's close_notify
                                    break
                                got += data
                        except (ConnectionResetError, ssl.SSLError):
                            # No close_notify. Python may name a reset as an EOF:
                            # the kernel's state tells (CLOSE after a reset,
                            # CLOSE_WAIT after a FIN).
                            state = t.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 1)[0]
                            how = "reset" if state == TCP_CLOSE else f"no close_notify ({state})"
                        self.assertEqual(bytes(got), sent[:1000])
                        self.assertEqual(how, end)
                        if end == "eof":
                            self.assertGreaterEqual(time.monotonic() - start, 0.2)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


class ToxicityTest(unittest.TestCase):
    CONNECTIONS = 2000

    def choices(self, seed):
        """Which of CONNECTIONS sequential connections were refused (closed at once)."""
        with Server("--listen", f"tcp://127.0.0.1:0?toxicity=0.1&refuse=1&seed={seed}",
                    *QUIET) as server:
            picked = []
            for _ in range(self.CONNECTIONS):
                with connect(server.urls[0]) as s:
                    try:
                        s.sendall(b"x")
                        picked.append(s.recv(1) != b"x")
                    except OSError:  # refused before (or while) the byte arrived
                        picked.append(True)
            return picked

    def test_share_within_the_binomial_interval_and_the_seed_repeats_it(self):
        first = self.choices(7)
        n, p = self.CONNECTIONS, 0.1
        half_width = 3.29 * math.sqrt(n * p * (1 - p))  # 99.9 %, two-sided
        self.assertLess(abs(sum(first) - n * p), half_width, sum(first))
        self.assertEqual(self.choices(7), first, "the same seed picked other connections")


class HostilePeerTest(unittest.TestCase):
    def test_a_sender_into_a_long_delay_is_paused_and_others_are_served(self):
        with Server("--listen", "tcp://127.0.0.1:0?delay=10s",
                    "--listen", "tcp://127.0.0.2:0", *QUIET, expect_lines=2) as server:
            rss_before = server.rss_bytes()
            hostile = connect(server.urls[0])
            hostile.setblocking(False)
            offered, block = 0, b"h" * 65536
            deadline = time.monotonic() + 0.5
            while time.monotonic() < deadline:
                try:
                    offered += hostile.send(block)
                except BlockingIOError:
                    time.sleep(0.01)
            # Paused: only the socket buffers' worth went in (loopback autotunes them
            # to a few MiB), not the GiB a second loopback carries.
            self.assertLess(offered, 32 << 20)
            self.assertLess(server.rss_bytes() - rss_before, 8 << 20)
            with connect(server.urls[1]) as honest:
                for _ in range(20):
                    start = time.monotonic()
                    honest.sendall(b"ping")
                    self.assertEqual(honest.recv(10), b"ping")
                    self.assertLess(time.monotonic() - start, 0.1 * SLOW)
            hostile.close()
            # Not a drain: io_uring does not finish closing a connection whose receive
            # is off with its socket full (main has it too, with an HTTP ?delay=), and
            # that is no part of what this test shows.
            server.kill()


class LeavingClientTest(unittest.TestCase):
    """A client that connects and leaves at once takes nothing with it; the server
    must not keep a descriptor for it, stalled or not yet served as it is."""
    CLIENTS = 200

    def leave(self, server, url, reset, sent):
        for _ in range(self.CLIENTS):
            s = connect(url)
            if sent:
                s.sendall(b"s" * sent)
            if reset:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            s.close()

    def test_a_client_that_leaves_a_stall_or_accept_delay_frees_its_descriptor(self):
        # stall_after=0 without stall_for: the client's FIN ends it; a reset ends any.
        # A stall reads on however much the client sent before leaving: 200 KB is
        # three times --max-buffer, which a bounded read-ahead would fill and stop at.
        cases = [("stall", "stall_after=0", False, 0), ("stall", "stall_after=0", True, 0),
                 ("stall", "stall_after=0", False, 200_000),
                 ("stall", "stall_after=0", True, 200_000),
                 ("accept_delay", "accept_delay=1m", True, 0)]
        for fault, keys, reset, sent in cases:
            with self.subTest(keys=keys, reset=reset, sent=sent), \
                    Server("--listen", f"tcp://127.0.0.1:0?{keys}", *QUIET, *METRICS,
                           expect_lines=2) as server:
                baseline = server.fd_count()
                self.leave(server, server.urls[0], reset, sent)
                # Every client was accepted and faulted: the case named was reached.
                wait_until(lambda: metric(parse_metrics(scrape(server.urls[-1])[1]),
                                          "echo_faulted_connections_total",
                                          fault=fault) == self.CLIENTS,
                           10, f"{self.CLIENTS} {fault} connections")
                wait_until(lambda: server.fd_count() <= baseline, 10,
                           f"the descriptors of {self.CLIENTS} gone clients closed "
                           f"(baseline {baseline}, now {server.fd_count()})")


if __name__ == "__main__":
    unittest.main()
