"""The classic services besides the echo (?service=): discard (RFC 863), chargen
(RFC 864) with backpressure over TCP and no amplification over UDP, daytime (RFC
867) and time (RFC 868), against socat, ncat and Python clients."""
import calendar
import fcntl
import os
import re
import shutil
import socket
import ssl
import struct
import subprocess
import tempfile
import termios
import threading
import time
import unittest

from tls_material import Pki

from harness import SANITIZED, SLOW, Server, metric, parse_metrics, scrape, server_side_socket, \
    wait_until

SECONDS_1900_TO_1970 = 2208988800
DAYTIME = re.compile(r"^(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), "
                     r"(January|February|March|April|May|June|July|August|September|October|"
                     r"November|December) \d{1,2}, \d{4} \d\d:\d\d:\d\d-UTC\r\n$")
# Port 0 twice on one address would be the same listener: one loopback address each.
LISTENERS = ["tcp://127.0.0.1:0?service=discard", "tcp://127.0.0.2:0?service=chargen",
             "tcp://127.0.0.3:0?service=daytime", "tcp://127.0.0.4:0?service=time",
             "tcp://127.0.0.5:0", "udp://127.0.0.1:0?service=discard",
             "udp://0.0.0.0:0?service=chargen&chargen_from=127.0.0.2",
             "udp://127.0.0.3:0?service=daytime", "udp://127.0.0.4:0?service=time"]


def chargen_reference(start, size):
    """RFC 864's stream from byte `start`, written out line by line."""
    line = b"".join(bytes([32 + c % 95]) for c in range(95 + 72))
    period = b"".join(line[i:i + 72] + b"\r\n" for i in range(95))
    reps = (start % len(period) + size) // len(period) + 1
    return (period * reps)[start % len(period):start % len(period) + size]


def read_exactly(stream, size, what):
    got = bytearray()
    while len(got) < size:
        data = stream.read1(size - len(got)) if hasattr(stream, "read1") else stream.recv(
            size - len(got))
        if not data:
            raise AssertionError(f"{what}: ended after {len(got)} of {size} bytes")
        got += data
    return bytes(got)


def recv_until_eof(sock):
    got = bytearray()
    while data := sock.recv(65536):
        got += data
    return bytes(got)


def unix_time_of(reply):
    """An RFC 868 reply as Unix seconds."""
    return struct.unpack("!I", reply)[0] - SECONDS_1900_TO_1970


class ServicesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        args = [a for url in LISTENERS for a in ("--listen", url)]
        cls.server = Server(*args, "--threads", "1", "--metrics", "tcp://127.0.0.1:0",
                            expect_lines=len(LISTENERS) + 1)
        cls.server.__enter__()
        cls.port, cls.host = {}, {}
        for url, announced in zip(LISTENERS, cls.server.urls):
            kind = url.split(":")[0]
            service = url.partition("service=")[2].split("&")[0] or "echo"
            host, port = announced.split("//")[1].rsplit(":", 1)
            cls.port[(kind, service)] = int(port)
            cls.host[(kind, service)] = "127.0.0.1" if host == "0.0.0.0" else host
        cls.urls = dict(zip(cls.port, cls.server.urls))

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)

    def address(self, kind, service):
        return self.host[(kind, service)], self.port[(kind, service)]

    def target(self, scheme, kind, service):
        return "{}:{}:{}".format(scheme, *self.address(kind, service))

    def metric_of(self, name, key):
        _, body = scrape(self.server.urls[-1])
        return metric(parse_metrics(body), name, listener=self.urls[key])

    def tcp(self, service, timeout=10):
        return socket.create_connection(self.address("tcp", service),
                                        timeout=timeout * SLOW)

    def run_client(self, argv, stdin=b"", timeout=10):
        p = subprocess.run(argv, input=stdin, capture_output=True, timeout=timeout * SLOW)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout

    # --- discard ---------------------------------------------------------------

    def test_discard_tcp_drops_what_socat_sends(self):
        payload = bytes(range(256)) * 4096  # 1 MiB
        out = self.run_client(["socat", "-u", "STDIN", self.target("TCP", "tcp", "discard")],
                              stdin=payload)
        self.assertEqual(out, b"")
        self.server.wait_log(f"discard took {len(payload)} bytes, sent 0")

    def test_discard_tcp_answers_nothing_and_closes_after_the_client(self):
        with self.tcp("discard") as s:
            s.sendall(b"x" * 300_000)
            s.shutdown(socket.SHUT_WR)
            self.assertEqual(recv_until_eof(s), b"")

    def test_discard_udp_sends_nothing_back(self):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(10 * SLOW)
            for payload in (b"", b"one", b"x" * 1400):
                s.sendto(payload, self.address("udp", "discard"))
            wait_until(lambda: self.metric_of("echo_received_messages_total",
                                              ("udp", "discard")) >= 3, 10, "3 datagrams in")
            # One loop serves both sockets in order: once daytime answers, any reply
            # from discard would already be queued here, ahead of it.
            s.sendto(b"", self.address("udp", "daytime"))
            data, peer = s.recvfrom(65536)
            self.assertEqual(peer[1], self.port[("udp", "daytime")], data)
            self.assertRegex(data.decode(), DAYTIME)
        self.assertEqual(self.metric_of("echo_sent_messages_total", ("udp", "discard")), 0)

    # --- chargen over TCP ------------------------------------------------------

    def test_chargen_tcp_with_ncat(self):
        p = subprocess.Popen(["ncat", "--recv-only", *map(str, self.address("tcp", "chargen"))],
                             stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
        try:
            got = read_exactly(p.stdout, 200_000, "ncat")
        finally:
            p.kill()
            p.wait()
            p.stdout.close()
        self.assertEqual(got, chargen_reference(0, len(got)))

    def test_chargen_tcp_stalled_reader_holds_no_memory_and_slows_nobody(self):
        stalled = socket.socket()
        stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stalled.settimeout(10 * SLOW)
        stalled.connect(self.address("tcp", "chargen"))
        stalled_host, stalled_port = stalled.getsockname()
        try:
            # Reached: the server accepted this client and filled its send queue.
            def queued():
                try:
                    with server_side_socket(self.server, stalled) as theirs:
                        return struct.unpack("i", fcntl.ioctl(theirs.fileno(), termios.TIOCOUTQ,
                                                              b"\0\0\0\0"))[0]
                except AssertionError:
                    return 0  # not accepted yet
            wait_until(lambda: queued() > 0, 10, "the server's queue to the stalled reader")
            rss_before = self.server.rss_bytes()

            # Meanwhile one reader takes 32 MiB flat out on the same (single) loop,
            # and an echo client's round trips stay short.
            reader_got = []

            def flat_out():
                with self.tcp("chargen", timeout=30) as r:
                    reader_got.append(read_exactly(r, 32 << 20, "flat-out reader"))
            reader = threading.Thread(target=flat_out)
            reader.start()
            worst = 0.0
            with self.tcp("echo") as e:
                for i in range(50):
                    t0 = time.monotonic()
                    e.sendall(b"ping %d" % i)
                    self.assertEqual(read_exactly(e, len(b"ping %d" % i), "echo"), b"ping %d" % i)
                    worst = max(worst, time.monotonic() - t0)
            reader.join(timeout=60 * SLOW)
            self.assertFalse(reader.is_alive())
            self.assertEqual(len(reader_got), 1)
            self.assertEqual(reader_got[0][:100_000], chargen_reference(0, 100_000))
            self.assertEqual(reader_got[0][-7030:], chargen_reference((32 << 20) - 7030, 7030))
            self.assertLess(worst, 0.5 * SLOW, "an echo waited behind the chargen reader")

            growth = self.server.rss_bytes() - rss_before
            self.assertLess(growth, (8 if SANITIZED else 4) << 20, f"RSS grew {growth} bytes")
            # With only the stalled reader left, the loop sleeps (a measurement, not a wait).
            cpu0 = self.server.cpu_seconds()
            time.sleep(0.5)
            self.assertLess(self.server.cpu_seconds() - cpu0, 0.2, "the loop spins on a stalled reader")
        finally:
            stalled.close()
        # What the stalled reader was ever sent: the kernel's buffers, not 32 MiB.
        self.server.wait_log(f"closed {stalled_host}:{stalled_port} (")
        sent = re.search(rf":{stalled_port} \([^)]*\): chargen took 0 bytes, sent (\d+)",
                         self.server.stderr())
        self.assertIsNotNone(sent, self.server.stderr()[-2000:])
        self.assertLess(int(sent.group(1)), 8 << 20)

    # --- chargen over UDP ------------------------------------------------------

    def udp_from(self, source, payload, port_key=("udp", "chargen")):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(10 * SLOW)
            s.bind((source, 0))
            s.sendto(payload, self.address(*port_key))
            return s.recvfrom(65536)[0]

    def test_chargen_udp_never_amplifies_for_an_unlisted_source(self):
        for size in (0, 1, 80, 511, 600, 4000):
            reply = self.udp_from("127.0.0.1", b"q" * size)
            self.assertEqual(len(reply), min(size, 512), size)
            self.assertTrue(chargen_reference(0, 7030 * 2).find(reply) >= 0, size)

    def test_chargen_udp_gives_a_listed_source_the_full_reply(self):
        reply = self.udp_from("127.0.0.2", b"")
        self.assertEqual(len(reply), 512)
        self.assertTrue(chargen_reference(0, 7030 * 2).find(reply) >= 0)
        self.assertEqual(len(self.udp_from("127.0.0.2", b"x" * 3000)), 512)

    # --- daytime and time ------------------------------------------------------

    def test_daytime_tcp_with_socat(self):
        out = self.run_client(["socat", "-u", self.target("TCP", "tcp", "daytime"),
                               "STDOUT"])
        self.assertRegex(out.decode(), DAYTIME)
        told = time.strptime(out.decode().split(", ", 1)[1].replace("-UTC\r\n", ""),
                             "%B %d, %Y %H:%M:%S")
        self.assertLess(abs(calendar.timegm(told) - time.time()), 5)

    def test_daytime_tcp_with_ncat_sending_first_is_never_reset(self):
        # Bytes left unread at the close make the kernel answer with a reset, which
        # ncat reports (exit 1) and which may overtake the reply (19 of 50 before).
        for run in range(20):
            p = subprocess.run(["ncat", *map(str, self.address("tcp", "daytime"))],
                               input=b"hi\n", capture_output=True, timeout=10 * SLOW)
            self.assertEqual(p.returncode, 0, f"run {run}: {p.stderr}")
            self.assertRegex(p.stdout.decode(), DAYTIME)

    def test_daytime_tcp_ends_its_side_and_reads_the_client_away(self):
        with self.tcp("daytime") as s:
            s.sendall(b"hello")
            reply = recv_until_eof(s)
            self.assertRegex(reply.decode(), DAYTIME)
            # EOF, and the server still holds the connection: it ended only its side.
            server_side_socket(self.server, s).close()
            s.sendall(b"still read")
            s.shutdown(socket.SHUT_WR)

            def closed():
                try:
                    server_side_socket(self.server, s).close()
                    return False
                except AssertionError:
                    return True
            wait_until(closed, 5, "the server's close after the client's EOF")

    def test_time_tcp_with_python(self):
        with self.tcp("time") as s:
            reply = recv_until_eof(s)
        self.assertEqual(len(reply), 4)
        self.assertLess(abs(unix_time_of(reply) - time.time()), 5)

    def test_daytime_udp_with_socat(self):
        p = subprocess.Popen(["socat", "-", self.target("UDP", "udp", "daytime")],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        try:
            p.stdin.write(b"?")
            p.stdin.flush()
            line = bytearray()
            while not line.endswith(b"\r\n"):
                chunk = p.stdout.read1(100)
                if not chunk:
                    break
                line += chunk
        finally:
            p.kill()
            p.wait()
            p.stdin.close()
            p.stdout.close()
        self.assertRegex(line.decode(), DAYTIME)

    def test_time_udp_with_python(self):
        reply = self.udp_from("127.0.0.1", b"", port_key=("udp", "time"))
        self.assertEqual(len(reply), 4)
        self.assertLess(abs(unix_time_of(reply) - time.time()), 5)


class StagedServicesTest(unittest.TestCase):
    """A service sits where the echo would: inside TLS, after a PROXY header, on a
    Unix socket."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="echo-services-")
        cls.pki = Pki(cls.dir)
        cert, key = cls.pki.server("localhost", serial=0x1002)
        cls.abstract = f"echo-services-{os.getpid()}"
        cls.server = Server("--listen", f"tls://127.0.0.1:0?cert={cert}&key={key}&service=chargen",
                            "--listen", "tcp://127.0.0.2:0?proxy=require&service=time",
                            "--listen", f"unix:@{cls.abstract}?service=daytime",
                            "--threads", "1", expect_lines=3)
        cls.server.__enter__()
        cls.tls_port, cls.proxy_port = (int(u.rsplit(":", 1)[1]) for u in cls.server.urls[:2])

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_chargen_inside_tls(self):
        ctx = ssl.create_default_context(cafile=self.pki.ca_cert)
        with socket.create_connection(("127.0.0.1", self.tls_port), timeout=10 * SLOW) as raw:
            with ctx.wrap_socket(raw, server_hostname="localhost") as t:
                got = read_exactly(t, 300_000, "TLS chargen")
        self.assertEqual(got, chargen_reference(0, len(got)))

    def test_time_after_a_proxy_header(self):
        with socket.create_connection(("127.0.0.2", self.proxy_port), timeout=10 * SLOW) as s:
            s.sendall(b"PROXY TCP4 203.0.113.7 127.0.0.2 5000 37\r\n")
            reply = recv_until_eof(s)
        self.assertEqual(len(reply), 4)
        self.assertLess(abs(unix_time_of(reply) - time.time()), 5)
        # The header named the client; the close line is the service's, under that name.
        self.server.wait_log("closed 203.0.113.7:5000 (closed by application): time took 0 bytes, sent 4")

    def test_daytime_on_a_unix_socket_with_socat(self):
        p = subprocess.run(["socat", "-u", f"ABSTRACT-CONNECT:{self.abstract}", "STDOUT"],
                           capture_output=True, timeout=10 * SLOW)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(p.stdout.decode(), DAYTIME)


if __name__ == "__main__":
    unittest.main()
