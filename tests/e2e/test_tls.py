"""TLS listeners end to end: the real server, real TLS clients that are not ours
(openssl s_client, gnutls-cli, Python's ssl), client certificates, SNI, ALPN,
resumption, reload on SIGHUP, and hostile handshakes beside an honest client."""
import json
import os
import select
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import unittest

from harness import (BENCH, SLOW, Server, metric, parse_metrics, run_bench, run_server,
                     scrape, server_side_socket, wait_until)
from tls_material import Pki

METRICS = ["--metrics", "tcp://127.0.0.1:0"]


def payload(n):
    return (bytes(range(256)) * (n // 256 + 1))[:n] if n < 4096 else os.urandom(n)


class Material:
    """One CA and the files the tests point listeners at."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="echo-tls-")
        self.pki = Pki(self.dir)
        self.cert, self.key = self.pki.server("localhost", serial=0x1001)

    def url(self, extra="", scheme="tls://127.0.0.1:0"):
        return f"{scheme}?cert={self.cert}&key={self.key}{extra}"

    def client_context(self, **kw):
        ctx = ssl.create_default_context(cafile=self.pki.ca_cert)
        for k, v in kw.items():
            setattr(ctx, k, v)
        return ctx

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def duplex(t, data, timeout=60):
    """Sends `data` and reads its echo at once on one non-blocking TLS socket (an
    SSL object must not be read and written from two threads); returns the echo."""
    t.setblocking(False)
    sent, got = 0, bytearray()
    deadline = time.monotonic() + timeout * SLOW
    while len(got) < len(data):
        if time.monotonic() > deadline:
            raise AssertionError(f"echo of {len(data)} bytes stalled at {len(got)}")
        want_write = sent < len(data)
        if not t.pending():
            select.select([t], [t] if want_write else [], [], 0.5)
        if want_write:
            try:
                sent += t.send(data[sent:sent + 65536])
            except (ssl.SSLWantWriteError, ssl.SSLWantReadError):
                pass
        try:
            b = t.recv(65536)
            if not b:
                break
            got += b
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
            pass
    t.setblocking(True)
    return bytes(got)


def tls_echo(server, ctx, data, name="localhost", session=None, port=None):
    """Echo of `data` over one new TLS connection; returns (echo, facts of the session)."""
    raw = socket.create_connection(("127.0.0.1", port or server.port), timeout=30 * SLOW)
    with ctx.wrap_socket(raw, server_hostname=name, session=session) as t:
        got = duplex(t, data)
        # A TLS 1.3 ticket arrives after the handshake; one more round trip makes
        # sure it has by the time the session is read.
        duplex(t, b"!")
        facts = {"version": t.version(), "cipher": t.cipher()[0], "cert": t.getpeercert(),
                 "alpn": t.selected_alpn_protocol(), "reused": t.session_reused,
                 "session": t.session}
    return got, facts


class WithMaterial(unittest.TestCase):
    """A CA and a server certificate shared by the tests of a class."""

    @classmethod
    def setUpClass(cls):
        cls.m = Material()

    @classmethod
    def tearDownClass(cls):
        cls.m.cleanup()


def metrics_of(server):
    code, body = scrape(server.urls[-1])
    assert code == 200, body
    return parse_metrics(body)


class Interop(WithMaterial):
    """Byte-exact echo through TLS stacks we did not write."""

    def test_gnutls_cli_echoes_with_half_close(self):
        # gnutls-cli sends close_notify when its input ends and reads on until the
        # server closes: the server must echo everything, then close by itself.
        with Server("--listen", self.m.url(), "--log-level", "warn") as server:
            for n in (1, 65536, 1 << 20):
                data = payload(n)
                p = subprocess.run(["gnutls-cli", "--logfile=/dev/null", "--x509cafile",
                                    self.m.pki.ca_cert, "-p", str(server.port), "localhost"],
                                   input=data, capture_output=True, timeout=60 * SLOW)
                self.assertEqual(p.returncode, 0, p.stderr[-500:])
                self.assertEqual(len(p.stdout), n)
                self.assertEqual(p.stdout, data, f"{n} bytes")

    def test_openssl_s_client_echoes_up_to_16_mib(self):
        with Server("--listen", self.m.url(), "--log-level", "warn") as server:
            for n in (1, 1 << 20, 16 << 20):
                data = payload(n)
                with subprocess.Popen(["openssl", "s_client", "-quiet", "-connect",
                                       f"127.0.0.1:{server.port}", "-CAfile",
                                       self.m.pki.ca_cert, "-verify_return_error",
                                       "-servername", "localhost"],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=subprocess.DEVNULL) as p:
                    feeder = threading.Thread(target=lambda: (p.stdin.write(data),
                                                              p.stdin.flush()))
                    feeder.start()
                    got = bytearray()
                    deadline = time.monotonic() + 60 * SLOW
                    while len(got) < n and time.monotonic() < deadline:
                        b = os.read(p.stdout.fileno(), 1 << 20)
                        if not b:
                            break
                        got += b
                    feeder.join()
                    p.kill()
                self.assertEqual(len(got), n)
                self.assertEqual(bytes(got), data, f"{n} bytes")

    def test_python_ssl_tls12_and_tls13(self):
        with Server("--listen", self.m.url(), "--log-level", "info") as server:
            for version in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
                ctx = self.m.client_context(minimum_version=version, maximum_version=version)
                data = payload(4 << 20)
                got, facts = tls_echo(server, ctx, data)
                self.assertEqual(got, data)
                self.assertEqual(facts["version"], version.name.replace("_", "."))
            server.wait_log("tls_version=TLSv1.2")
            server.wait_log("tls_version=TLSv1.3")

    def test_min_1_3_refuses_a_1_2_client(self):
        with Server("--listen", self.m.url("&min=1.3"), "--log-level", "warn", *METRICS,
                    expect_lines=2) as server:
            ctx = self.m.client_context(maximum_version=ssl.TLSVersion.TLSv1_2)
            with self.assertRaises(ssl.SSLError):
                tls_echo(server, ctx, b"x")
            wait_until(lambda: metric(metrics_of(server), "echo_tls_handshake_failures_total",
                                      reason="version") == 1, 10, "a version failure counted")

    def test_socket_options_apply_to_tls_listeners(self):
        url = self.m.url("&keepalive=30,5,3&user_timeout=4000&nodelay=1")
        with Server("--listen", url, "--log-level", "warn") as server:
            raw = socket.create_connection(("127.0.0.1", server.port), timeout=30 * SLOW)
            with self.m.client_context().wrap_socket(raw, server_hostname="localhost") as t:
                self.assertEqual(duplex(t, b"opts"), b"opts")
                with server_side_socket(server, t) as s:
                    self.assertEqual(s.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE), 1)
                    self.assertEqual(s.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE), 30)
                    self.assertEqual(s.getsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT),
                                     4000)
                    self.assertEqual(s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY), 1)

    def test_unix_tls_listener(self):
        path = os.path.join(self.m.dir, "echo.sock")
        with Server("--listen", self.m.url(scheme=f"unix+tls:{path}"), "--log-level", "warn") as s:
            self.assertEqual(s.urls, [f"unix+tls:{path}"])
            raw = socket.socket(socket.AF_UNIX)
            raw.settimeout(30 * SLOW)
            raw.connect(path)
            with self.m.client_context().wrap_socket(raw, server_hostname="localhost") as t:
                t.sendall(b"over unix")
                got = b""
                while len(got) < 9:
                    got += t.recv(100)
                self.assertEqual(got, b"over unix")


class Identity(unittest.TestCase):
    """Client certificates, SNI, ALPN and resumption."""

    @classmethod
    def setUpClass(cls):
        cls.m = Material()
        cls.client_cert, cls.client_key = cls.m.pki.client("alice")
        cls.rogue = Pki(os.path.join(cls.m.dir, "rogue"), name="rogue-ca")
        cls.rogue_cert, cls.rogue_key = cls.rogue.client("mallory")

    @classmethod
    def tearDownClass(cls):
        cls.m.cleanup()

    def handshake(self, server, cert=None):
        ctx = self.m.client_context()
        if cert:
            ctx.load_cert_chain(*cert)
        got, _ = tls_echo(server, ctx, b"hello")
        return got

    def test_required_client_certificate(self):
        url = self.m.url(f"&ca={self.m.pki.ca_cert}&verify=require")
        with Server("--listen", url, "--log-level", "info") as server:
            self.assertEqual(self.handshake(server, (self.client_cert, self.client_key)), b"hello")
            server.wait_log("client_cert=/CN=alice client_verify=ok")
            for bad in (None, (self.rogue_cert, self.rogue_key)):
                with self.assertRaises((ssl.SSLError, ConnectionError)):
                    self.handshake(server, bad)

    def test_optional_client_certificate_accepts_both(self):
        url = self.m.url(f"&ca={self.m.pki.ca_cert}&verify=optional")
        with Server("--listen", url, "--log-level", "info") as server:
            self.assertEqual(self.handshake(server), b"hello")
            self.assertEqual(self.handshake(server, (self.client_cert, self.client_key)), b"hello")
            server.wait_log("client_cert=- client_verify=none")
            server.wait_log("client_cert=/CN=alice client_verify=ok")

    def test_sni_picks_the_certificate_by_name(self):
        a = self.m.pki.server("a.test", serial=0xA1)
        b = self.m.pki.server("b.test", serial=0xB2)
        url = f"tls://127.0.0.1:0?cert={a[0]}&key={a[1]}&cert={b[0]}&key={b[1]}"
        with Server("--listen", url, "--log-level", "info") as server:
            ctx = self.m.client_context()
            for name, serial in (("a.test", "A1"), ("b.test", "B2")):
                _, facts = tls_echo(server, ctx, b"x", name=name)
                self.assertEqual(facts["cert"]["serialNumber"], serial)
            # An unknown name gets the default (first) certificate.
            loose = self.m.client_context(check_hostname=False)
            _, facts = tls_echo(server, loose, b"x", name="c.test")
            self.assertEqual(facts["cert"]["serialNumber"], "A1")
            server.wait_log("sni=b.test")

    def test_alpn_is_negotiated_and_the_offer_logged(self):
        with Server("--listen", self.m.url("&alpn=h2,http/1.1"), "--log-level", "info") as server:
            ctx = self.m.client_context()
            ctx.set_alpn_protocols(["echo", "http/1.1"])
            _, facts = tls_echo(server, ctx, b"x")
            self.assertEqual(facts["alpn"], "http/1.1")
            server.wait_log("alpn=http/1.1 alpn_offered=echo,http/1.1")

    def test_client_chosen_names_cannot_forge_log_lines(self):
        # SNI and ALPN are bytes the client picks; OpenSSL only refuses a NUL. A line
        # feed must not start a forged line, nor a stray byte break the JSON log.
        sni = b"evil\n2026-01-01T00:00:00.000 info FORGED\xff"
        for fmt in ("text", "json"):
            with Server("--listen", self.m.url(), "--log-level", "info", "--log-format",
                        fmt) as server:
                p = subprocess.run([b"openssl", b"s_client", b"-connect",
                                    f"127.0.0.1:{server.port}".encode(), b"-servername", sni,
                                    b"-alpn", b"h2\nx\xfe\"y", b"-quiet", b"-no_ign_eof"],
                                   input=b"", capture_output=True, timeout=30 * SLOW)
                self.assertEqual(p.returncode, 0, p.stderr[-300:])
                server.wait_log("handshake")
                with open(server.log.name, "rb") as f:
                    lines = f.read().splitlines()
                self.assertFalse([l for l in lines if b"FORGED" in l and not l.startswith(
                    (b"20", b"{")) or l.startswith(b"2026-01-01")], lines)
                if fmt == "text":
                    line = next(l for l in lines if b"handshake with" in l).decode("ascii")
                    self.assertIn(r"sni=evil\x0a2026-01-01T00:00:00.000\x20info\x20FORGED\xff",
                                  line)
                    self.assertIn(r"alpn_offered=h2\x0ax\xfe\x22y", line)
                else:
                    events = [json.loads(l.decode("utf-8")) for l in lines]  # strict UTF-8
                    shake = next(e for e in events if e["event"] == "handshake")
                    self.assertEqual(shake["sni"],
                                     r"evil\x0a2026-01-01T00:00:00.000\x20info\x20FORGED\xff")
                    self.assertEqual(shake["alpn_offered"], r"h2\x0ax\xfe\x22y")

    def test_sessions_resume(self):
        with Server("--listen", self.m.url(), "--log-level", "warn", *METRICS,
                    expect_lines=2) as server:
            for version in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
                ctx = self.m.client_context(maximum_version=version)
                _, first = tls_echo(server, ctx, b"x")
                self.assertFalse(first["reused"])
                _, second = tls_echo(server, ctx, b"y", session=first["session"])
                self.assertTrue(second["reused"], version)
            samples = metrics_of(server)
            self.assertEqual(metric(samples, "echo_tls_handshakes_total", result="resumed"), 2)
            self.assertEqual(metric(samples, "echo_tls_handshakes_total", result="ok"), 2)


    def test_a_resumed_session_gets_a_fresh_ticket(self):
        # TLS 1.3 clients use a ticket once: without a fresh one after every
        # resumption, every other new connection fell back to a full handshake.
        with Server("--listen", self.m.url(), "--log-level", "warn") as server:
            # One connection at a time: each resumes the session the one before got.
            code, report, err = run_bench(server.urls[0], "--ca", self.m.pki.ca_cert, "--sni",
                                          "localhost", "--conns", "1", "--messages-per-conn", "1",
                                          "--resume", "--duration", "1", "--warmup", "0.2")
            self.assertEqual(code, 0, err)
            self.assertEqual(report["errors"]["total"], 0)
            self.assertGreater(report["tls"]["resumed_ratio"], 0.95, report["tls"])


class Reload(unittest.TestCase):
    def test_sighup_rotates_the_certificate_and_a_bad_reload_keeps_the_old(self):
        m = Material()
        try:
            cert = os.path.join(m.dir, "live.pem")
            key = os.path.join(m.dir, "live.key")
            first = m.pki.server("localhost", serial=0x111)
            shutil.copy(first[0], cert)
            shutil.copy(first[1], key)
            url = f"tls://127.0.0.1:0?cert={cert}&key={key}"
            with Server("--listen", url, "--log-level", "info") as server:
                ctx = m.client_context()
                # A connection open across the reload keeps echoing.
                raw = socket.create_connection(("127.0.0.1", server.port), timeout=30 * SLOW)
                held = ctx.wrap_socket(raw, server_hostname="localhost")
                self.assertEqual(held.getpeercert()["serialNumber"], "0111")
                second = m.pki.server("localhost", serial=0x222)
                shutil.copy(second[0], cert)
                shutil.copy(second[1], key)
                server.signal(signal.SIGHUP)
                server.wait_log("certificate serials 0222")
                _, facts = tls_echo(server, ctx, b"after")
                self.assertEqual(facts["cert"]["serialNumber"], "0222")
                held.sendall(b"still here")
                got = b""
                while len(got) < 10:
                    got += held.recv(100)
                self.assertEqual(got, b"still here")
                held.close()
                # A key that does not match: the reload fails and the old pair stays.
                shutil.copy(first[1], key)
                server.signal(signal.SIGHUP)
                server.wait_log("reload failed, keeping the previous TLS material")
                _, facts = tls_echo(server, ctx, b"again")
                self.assertEqual(facts["cert"]["serialNumber"], "0222")
        finally:
            m.cleanup()


    def test_rotation_under_echo_bench_load_loses_nothing(self):
        m = Material()
        try:
            cert = os.path.join(m.dir, "live.pem")
            key = os.path.join(m.dir, "live.key")
            for src, dst in zip(m.pki.server("localhost", serial=0x301), (cert, key)):
                shutil.copy(src, dst)
            with Server("--listen", f"tls://127.0.0.1:0?cert={cert}&key={key}",
                        "--log-level", "info") as server:
                # New connections all the time (5 echoes each), so handshakes straddle
                # every reload.
                bench = subprocess.Popen(
                    [BENCH, "--json", server.urls[0], "--ca", m.pki.ca_cert, "--sni", "localhost",
                     "--conns", "20", "--messages-per-conn", "5", "--duration", "3",
                     "--warmup", "0.5"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                    text=True)
                for serial in (0x302, 0x303, 0x304):
                    time.sleep(0.5)  # pacing the reloads across the run, not synchronising
                    for src, dst in zip(m.pki.server("localhost", serial=serial), (cert, key)):
                        shutil.copy(src, dst)
                    server.signal(signal.SIGHUP)
                out, err = bench.communicate(timeout=60 * SLOW)
                self.assertEqual(bench.returncode, 0, err)
                report = json.loads(out)
                self.assertEqual(report["errors"]["total"], 0, report["errors"])
                self.assertGreater(report["tls"]["handshakes"], 100, report["tls"])
                server.wait_log("certificate serials 0304")
                _, facts = tls_echo(server, m.client_context(), b"new")
                self.assertEqual(facts["cert"]["serialNumber"], "0304")
        finally:
            m.cleanup()


class Abuse(WithMaterial):
    """Hostile handshakes beside an honest client, who must not notice them."""

    def honest_round_trips(self, server, count=20):
        ctx = self.m.client_context()
        worst = 0.0
        for _ in range(count):
            start = time.monotonic()
            got, _ = tls_echo(server, ctx, b"honest")
            worst = max(worst, time.monotonic() - start)
            self.assertEqual(got, b"honest")
        return worst

    def test_stalled_handshakes_time_out_and_delay_nobody(self):
        url = self.m.url("&handshake_timeout=1")
        with Server("--listen", url, "--log-level", "warn", *METRICS, expect_lines=2) as server:
            stalled = []
            for i in range(1000):
                # From 50 addresses, 20 each: under the default handshakes_per_ip (64).
                s = socket.create_connection(("127.0.0.1", server.port), timeout=30 * SLOW,
                                             source_address=(f"127.0.1.{i % 50 + 1}", 0))
                if i % 2:
                    s.sendall(b"\x16\x03\x01\x02\x00\x01")  # the start of a ClientHello
                stalled.append(s)
            worst = self.honest_round_trips(server)
            self.assertLess(worst, 0.5 * SLOW, "an honest handshake waited behind stalled ones")
            # The server closes every stalled one once its deadline passes.
            for s in stalled:
                s.settimeout(10 * SLOW)
                self.assertEqual(s.recv(100), b"")
                s.close()
            samples = metrics_of(server)
            self.assertEqual(metric(samples, "echo_tls_handshakes_total", result="timed_out"), 1000)
            self.assertEqual(metric(samples, "echo_connections_closed_total",
                                    reason="stage_timeout"), 1000)

    def test_one_address_holds_at_most_its_share_of_handshakes(self):
        url = self.m.url("&handshakes_per_ip=5")
        with Server("--listen", url, "--threads", "1", "--log-level", "warn", *METRICS,
                    expect_lines=2) as server:
            stalled = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(5)]
            wait_until(lambda: metric(metrics_of(server), "echo_connections_open") == 5, 10,
                       "five handshakes in progress")
            # The sixth from the same address is closed at accept, before any TLS work.
            with self.assertRaises((ssl.SSLError, ConnectionError, OSError)):
                tls_echo(server, self.m.client_context(), b"sixth")
            self.assertEqual(metric(metrics_of(server), "echo_connections_refused_total",
                                    reason="handshakes_per_ip"), 1)
            # Another address of the same host (127.0.0.2) is not held back.
            raw = socket.create_connection(("127.0.0.1", server.port), timeout=10 * SLOW,
                                           source_address=("127.0.0.2", 0))
            with self.m.client_context().wrap_socket(raw, server_hostname="localhost") as t:
                self.assertEqual(duplex(t, b"other address"), b"other address")
            # A finished handshake frees its place.
            stalled.pop().close()
            wait_until(lambda: metric(metrics_of(server), "echo_connections_open") == 4, 10,
                       "one stalled handshake gone")
            got, _ = tls_echo(server, self.m.client_context(), b"now there is room")
            self.assertEqual(got, b"now there is room")
            for s in stalled:
                s.close()

    def test_garbage_and_resets_instead_of_a_client_hello(self):
        with Server("--listen", self.m.url(), "--log-level", "warn", *METRICS,
                    expect_lines=2) as server:
            for _ in range(50):
                with socket.create_connection(("127.0.0.1", server.port), timeout=10 * SLOW) as s:
                    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                    s.settimeout(10 * SLOW)
                    try:
                        while s.recv(4096):
                            pass  # an alert, then the close
                    except ConnectionResetError:
                        pass
                r = socket.create_connection(("127.0.0.1", server.port), timeout=10 * SLOW)
                r.sendall(b"\x16\x03\x01\x00\xff\x01\x00\x00\xfb\x03\x03" + os.urandom(40))
                r.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                r.close()  # a reset mid-handshake
            self.assertLess(self.honest_round_trips(server), 0.5 * SLOW)
            samples = wait_until(
                lambda: (lambda s: s if metric(s, "echo_tls_handshakes_total",
                                               result="failed") >= 100 else None)(
                    metrics_of(server)), 10, "100 failed handshakes counted")
            self.assertEqual(metric(samples, "echo_tls_handshake_failures_total", reason="not_tls"),
                             50)


    def test_limits_act_before_any_handshake_work(self):
        with Server("--listen", self.m.url(), "--max-connections-per-ip", "2", "--log-level",
                    "warn", *METRICS, expect_lines=2) as server:
            held = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(2)]
            wait_until(lambda: metric(metrics_of(server), "echo_connections_open") == 2, 10,
                       "two connections open")
            with self.assertRaises((ssl.SSLError, ConnectionError, OSError)):
                tls_echo(server, self.m.client_context(), b"over the limit")
            samples = metrics_of(server)
            self.assertEqual(metric(samples, "echo_connections_refused_total",
                                    reason="max_connections_per_ip"), 1)
            # Refused before a stage existed: no handshake was even started, let alone failed.
            self.assertEqual(metric(samples, "echo_tls_handshakes_total"), 0)
            for s in held:
                s.close()


class BadSetup(WithMaterial):
    """Unusable TLS material stops the start with one line naming the listener."""

    def refused(self, url, *words):
        code, out, err = run_server("--listen", url)
        self.assertNotEqual(code, 0)
        self.assertEqual(out, "")
        lines = err.strip().splitlines()
        self.assertEqual(len(lines), 1, err)
        for w in words:
            self.assertIn(w, lines[0])

    def test_unreadable_certificate(self):
        self.refused(f"tls://127.0.0.1:0?cert=/nonexistent.pem&key={self.m.key}",
                     "/nonexistent.pem", "tls://127.0.0.1:0")

    def test_key_that_does_not_match(self):
        other = self.m.pki.server("other", serial=0x77)
        self.refused(f"tls://127.0.0.1:0?cert={self.m.cert}&key={other[1]}", "does not match")

    def test_no_certificate(self):
        code, _, err = run_server("--listen", "tls://127.0.0.1:0")
        self.assertEqual(code, 2)
        self.assertIn("needs cert=PATH&key=PATH", err)

    def test_expired_certificate_warns_and_strict_refuses(self):
        old = self.m.pki.server("localhost", serial=0x99, expired=True)
        url = f"tls://127.0.0.1:0?cert={old[0]}&key={old[1]}"
        with Server("--listen", url, "--log-level", "warn") as server:
            server.wait_log("has expired; serving it anyway")
        self.refused(url + "&strict=1", "has expired", "strict=1")


if __name__ == "__main__":
    unittest.main()
