"""PROXY protocol listeners on the real binary: v1 and v2 headers from raw sockets
and from echo-bench --proxy, the client they name standing in the logs, metrics and
per-IP limits; header-less checks from a listed balancer; forged headers from
anyone else echoed as data; bad and stalled headers closed and counted, beside an
honest client; a header before TLS; and --drain-delay."""
import json
import os
import socket
import ssl
import struct
import tempfile
import time
import unittest

from harness import (SLOW, Server, metric, parse_metrics, run_bench, run_server, scrape,
                     wait_until)
from tls_material import Pki

V2_SIG = b"\r\n\r\n\x00\r\nQUIT\n"


def v1(src, sport, dst="127.0.0.1", dport=7):
    family = "TCP6" if ":" in src else "TCP4"
    return f"PROXY {family} {src} {dst} {sport} {dport}\r\n".encode()


def v2(src, sport, dst="127.0.0.1", dport=7, tlvs=b"", command=0x21):
    """A v2 PROXY (or LOCAL, command 0x20) header over TCP/IPv4."""
    if command == 0x20:
        return V2_SIG + bytes([0x20, 0x00]) + struct.pack("!H", 0)
    body = (socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!HH", sport, dport)
            + tlvs)
    return V2_SIG + bytes([0x21, 0x11]) + struct.pack("!H", len(body)) + body


def tlv(kind, value):
    return bytes([kind]) + struct.pack("!H", len(value)) + value


def recv_exactly(sock, n):
    got = b""
    while len(got) < n:
        data = sock.recv(n - len(got))
        if not data:
            break
        got += data
    return got


def closed_by_server(sock, timeout=10):
    """True once the server closed (EOF or reset) within `timeout` seconds."""
    sock.settimeout(timeout * SLOW)
    try:
        while True:
            if not sock.recv(4096):
                return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def json_events(server):
    events = []
    for line in server.stderr().splitlines():
        if line.startswith("{"):
            events.append(json.loads(line))
    return events


def proxy_server(query, *extra, log="info"):
    """A one-loop server with a PROXY listener and a metrics port; JSON logs."""
    return Server("--listen", f"tcp://127.0.0.1:0?{query}", "--threads", "1",
                  "--metrics", "tcp://127.0.0.1:0", "--log-format", "json",
                  "--log-level", log, *extra, expect_lines=2)


class Headers(unittest.TestCase):
    def metrics(self, server):
        return parse_metrics(scrape(server.urls[-1])[1])

    def test_v1_and_v2_name_the_client_in_the_log_and_the_metrics(self):
        with proxy_server("proxy=require") as server:
            for header, client in ((v1("203.0.113.9", 4242), "203.0.113.9:4242"),
                                   (v2("198.51.100.4", 5151,
                                       tlvs=tlv(0x02, b"echo.example") +
                                       tlv(0x01, b"h2")), "198.51.100.4:5151")):
                with server.connect() as c:
                    c.sendall(header + b"hello")
                    self.assertEqual(recv_exactly(c, 5), b"hello")
                wait_until(lambda: any(e.get("event") == "closed" and e.get("peer") == client
                                       for e in json_events(server)), 10, f"close of {client}")
            events = json_events(server)
            opened = [e for e in events if e.get("event") == "handshake"]
            self.assertEqual(len(opened), 2)
            self.assertEqual(opened[0]["peer"], "203.0.113.9:4242")
            self.assertTrue(opened[0]["via"].startswith("127.0.0.1:"))
            self.assertEqual(opened[0]["proxy"], "v1")
            self.assertEqual(opened[1]["proxy"], "v2")
            self.assertEqual(opened[1]["proxy_authority"], "echo.example")
            self.assertEqual(opened[1]["proxy_alpn"], "h2")
            self.assertEqual(opened[1]["proxy_dst"], "127.0.0.1:7")
            # The balancer's address is in no close line: the client stands for it.
            self.assertFalse([e for e in events if e.get("event") == "closed"
                              and e["peer"].startswith("127.0.0.1")])
            m = self.metrics(server)
            self.assertEqual(metric(m, "echo_connections_by_client_total", client="203.0.113.9"), 1)
            self.assertEqual(metric(m, "echo_connections_by_client_total", client="198.51.100.4"), 1)
            self.assertEqual(metric(m, "echo_connections_by_client_total", client="127.0.0.1"), 0)
            self.assertEqual(metric(m, "echo_proxy_headers_total", result="v1"), 1)
            self.assertEqual(metric(m, "echo_proxy_headers_total", result="v2"), 1)

    def test_v2_local_is_served_as_itself(self):
        with proxy_server("proxy=require") as server, server.connect() as c:
            c.sendall(v2("0.0.0.0", 0, command=0x20) + b"ping")
            self.assertEqual(recv_exactly(c, 4), b"ping")
            m = self.metrics(server)
            self.assertEqual(metric(m, "echo_proxy_headers_total", result="local"), 1)
            self.assertEqual(metric(m, "echo_connections_by_client_total", client="direct"), 1)

    def test_bad_headers_are_closed_and_counted_while_an_honest_client_goes_on(self):
        bad = [b"GET / HTTP/1.1\r\n\r\n",                       # no header at all
               b"PROXY TCP4 1.2.3.4 5.6.7.8 99999 1\r\n",       # port out of range
               b"PROXY TCP4 " + b"1" * 200,                      # v1 longer than 107
               V2_SIG + b"\x21\x11\xff\xff",                    # v2 claiming 64 KiB
               V2_SIG + b"\x31\x11\x00\x0c" + bytes(12),        # v2 version 3
               v2("10.0.0.1", 1, tlvs=tlv(0x03, b"\x00\x00\x00\x00"))]  # wrong CRC32C
        with proxy_server("proxy=require", log="warn") as server:
            with server.connect() as honest:
                honest.sendall(v1("192.0.2.1", 1000))
                for payload in bad:
                    with server.connect() as c:
                        c.sendall(payload)
                        self.assertTrue(closed_by_server(c), payload)
                    honest.sendall(b"still here")
                    self.assertEqual(recv_exactly(honest, 10), b"still here")
            m = self.metrics(server)
            self.assertEqual(metric(m, "echo_proxy_headers_total", result="failed"), len(bad))
            self.assertEqual(metric(m, "echo_proxy_header_failures_total"), len(bad))
            self.assertEqual(metric(m, "echo_proxy_header_failures_total", reason="crc32c"), 1)

    def test_a_stalled_header_is_closed_at_proxy_timeout(self):
        with proxy_server("proxy=require&proxy_timeout=0.3", log="warn") as server:
            with server.connect() as silent, server.connect() as partial, \
                    server.connect() as honest:
                partial.sendall(b"PROXY TCP4 10.")
                honest.sendall(v1("192.0.2.1", 1000) + b"x")
                self.assertEqual(recv_exactly(honest, 1), b"x")
                started = time.monotonic()
                self.assertTrue(closed_by_server(silent))
                self.assertTrue(closed_by_server(partial))
                self.assertLess(time.monotonic() - started, 5 * SLOW)
                honest.sendall(b"y")
                self.assertEqual(recv_exactly(honest, 1), b"y")  # past the deadline, open
            m = self.metrics(server)
            self.assertEqual(metric(m, "echo_proxy_headers_total", result="timed_out"), 2)

    def test_per_ip_limits_count_the_named_client_not_the_balancer(self):
        with proxy_server("proxy=require", "--max-connections-per-ip", "2", log="warn") as server:
            held = []
            for i in range(2):
                c = server.connect()
                c.sendall(v1("203.0.113.1", 1000 + i) + b"a")
                self.assertEqual(recv_exactly(c, 1), b"a")
                held.append(c)
            with server.connect() as third:
                third.sendall(v1("203.0.113.1", 1003) + b"a")
                self.assertTrue(closed_by_server(third))
            with server.connect() as other:  # same balancer, another client
                other.sendall(v1("203.0.113.2", 1004) + b"b")
                self.assertEqual(recv_exactly(other, 1), b"b")
            for c in held:
                c.close()
            m = self.metrics(server)
            self.assertEqual(metric(m, "echo_connections_refused_total",
                                    reason="max_connections_per_ip"), 1)


    def test_a_long_header_split_across_reads_is_read_with_the_smallest_buffer(self):
        # 2 000 bytes of header (a NOOP TLV pads it), more than --max-buffer's 1 KiB
        # chunks: the stage's copy of it must not stop the reads that complete it.
        header = v2("192.0.2.9", 9999, tlvs=tlv(0x04, bytes(1970)))
        self.assertGreater(len(header), 1024)
        with proxy_server("proxy=require", "--max-buffer", "1KiB", log="warn") as server, \
                server.connect() as c:
            c.sendall(header[:10])
            wait_until(lambda: metric(parse_metrics(scrape(server.urls[-1])[1]),
                                      "echo_connections_accepted_total") == 1, 10, "the accept")
            c.sendall(header[10:] + b"after")
            self.assertEqual(recv_exactly(c, 5), b"after")


class OptionalHeaders(unittest.TestCase):
    def test_a_listed_balancers_slow_headers_do_not_lock_out_its_other_clients(self):
        # 100 connections from the balancer whose headers have not arrived (more than
        # handshakes_per_ip's 64): the balancer stands for many clients, not one.
        with proxy_server("proxy=optional&proxy_from=127.0.0.1/32", log="warn") as server:
            stalled = [server.connect() for _ in range(100)]
            for s in stalled:
                s.sendall(b"PROXY TCP4 ")
            with server.connect() as c:
                c.sendall(v1("192.0.2.1", 1) + b"ok")
                self.assertEqual(recv_exactly(c, 2), b"ok")
            for s in stalled:
                s.close()
            m = parse_metrics(scrape(server.urls[-1])[1])
            self.assertEqual(metric(m, "echo_connections_refused_total"), 0)


    def test_a_listed_balancer_may_send_a_header_or_none(self):
        with proxy_server("proxy=optional&proxy_from=127.0.0.1/32") as server:
            with server.connect() as check:  # a health check: no header
                check.sendall(b"ping")
                self.assertEqual(recv_exactly(check, 4), b"ping")
            with server.connect() as traffic:
                traffic.sendall(v2("192.0.2.50", 4000) + b"data")
                self.assertEqual(recv_exactly(traffic, 4), b"data")
            wait_until(lambda: any(e.get("peer") == "192.0.2.50:4000" and e.get("event") == "closed"
                                   for e in json_events(server)), 10, "the named client's close")
            m = parse_metrics(scrape(server.urls[-1])[1])
            self.assertEqual(metric(m, "echo_proxy_headers_total", result="absent"), 1)
            self.assertEqual(metric(m, "echo_proxy_headers_total", result="v2"), 1)

    def test_a_header_from_an_unlisted_source_is_data_not_a_name(self):
        with proxy_server("proxy=optional&proxy_from=127.0.0.2/32") as server:
            forged = v1("10.9.9.9", 1)
            with server.connect() as c:  # from 127.0.0.1, not listed
                c.sendall(forged)
                self.assertEqual(recv_exactly(c, len(forged)), forged)
            listed = socket.socket()
            listed.bind(("127.0.0.2", 0))
            listed.settimeout(10 * SLOW)
            listed.connect(("127.0.0.1", server.port))
            with listed:
                listed.sendall(v1("10.9.9.9", 2) + b"z")
                self.assertEqual(recv_exactly(listed, 1), b"z")
            wait_until(lambda: any(e.get("peer") == "10.9.9.9:2" and e.get("event") == "closed"
                                   for e in json_events(server)), 10, "the listed source's client")
            self.assertFalse([e for e in json_events(server) if e.get("peer") == "10.9.9.9:1"])

    def test_an_unlisted_client_is_open_from_its_accept(self):
        # No header is read from it, so nothing of it is opening: it may stay quiet past
        # proxy_timeout, and keep more quiet connections than the opening cap (64).
        with proxy_server("proxy=optional&proxy_from=127.0.0.2/32&proxy_timeout=0.5",
                          log="warn") as server:
            quiet = [server.connect() for _ in range(70)]
            wait_until(lambda: metric(parse_metrics(scrape(server.urls[-1])[1]),
                                      "echo_proxy_headers_total", result="absent") == 70,
                       5, "70 connections open without a header")
            time.sleep(1)  # the interval under test: twice proxy_timeout, all quiet
            for c in quiet:
                c.sendall(b"q")
                self.assertEqual(recv_exactly(c, 1), b"q")
                c.close()
            m = parse_metrics(scrape(server.urls[-1])[1])
            self.assertEqual(metric(m, "echo_connections_refused_total"), 0)
            self.assertEqual(metric(m, "echo_proxy_headers_total", result="timed_out"), 0)


class Bench(unittest.TestCase):
    def test_echo_bench_sends_v1_and_v2_and_every_byte_comes_back(self):
        with proxy_server("proxy=require", log="warn") as server:
            for version, source in (("v1", "203.0.113.77:1234"), ("v2", "[2001:db8::5]:80")):
                code, report, err = run_bench(server.urls[0], "--proxy", version,
                                              "--proxy-source", source, "--conns", "4",
                                              "--messages-per-conn", "5", "--duration", "0.5",
                                              "--warmup", "0")
                self.assertEqual(code, 0, err)
                self.assertEqual(report["errors"]["total"], 0)
                self.assertGreater(report["messages"], 0)
            m = parse_metrics(scrape(server.urls[-1])[1])
            self.assertGreater(metric(m, "echo_connections_by_client_total",
                                      client="203.0.113.77"), 0)
            self.assertGreater(metric(m, "echo_connections_by_client_total",
                                      client="2001:db8::5"), 0)

    def test_echo_bench_over_a_unix_socket_with_a_header(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "echo.sock")
            with Server("--listen", f"unix:{path}?proxy=require", "--threads", "1",
                        "--log-level", "warn") as server:
                code, report, err = run_bench(f"unix:{path}", "--proxy", "v2",
                                              "--proxy-source", "192.0.2.3:9", "--conns", "2",
                                              "--duration", "0.3", "--warmup", "0")
                self.assertEqual(code, 0, err)
                self.assertEqual(report["errors"]["total"], 0)
                self.assertGreater(report["messages"], 0)
                del server

    def test_bad_proxy_options_exit_2_with_one_line(self):
        for args in (["--proxy", "v3"], ["--proxy-source", "1.2.3.4:5"],
                     ["--proxy", "v1", "--proxy-source", "1.2.3.4"],
                     ["--proxy", "v1", "--proxy-source", "::1:80"]):
            code, _, err = run_bench("tcp://127.0.0.1:9", *args)
            self.assertEqual(code, 2, args)
            self.assertIn("proxy", err.splitlines()[0].lower())

    def test_bad_listener_keys_exit_2_naming_the_url(self):
        url = "tcp://127.0.0.1:0?proxy=optional"
        code, _, err = run_server("--listen", url)
        self.assertEqual(code, 2)
        self.assertIn(url, err)
        self.assertIn("proxy_from", err)


class HeaderThenTls(unittest.TestCase):
    def test_the_header_comes_before_the_client_hello(self):
        with tempfile.TemporaryDirectory() as d:
            pki = Pki(d)
            cert, key = pki.server("localhost", serial=0x51)
            url = f"tls://127.0.0.1:0?cert={cert}&key={key}&proxy=require"
            with Server("--listen", url, "--threads", "1", "--log-format", "json") as server:
                ctx = ssl.create_default_context(cafile=pki.ca_cert)
                raw = server.connect()
                raw.sendall(v1("203.0.113.200", 4433))
                with ctx.wrap_socket(raw, server_hostname="localhost") as c:
                    c.sendall(b"secret")
                    self.assertEqual(recv_exactly(c, 6), b"secret")
                shake = wait_until(lambda: [e for e in json_events(server)
                                            if e.get("event") == "handshake"], 10, "handshake")
                self.assertEqual(shake[0]["peer"], "203.0.113.200:4433")
                self.assertEqual(shake[0]["proxy"], "v1")
                self.assertEqual(shake[0]["tls_version"], "TLSv1.3")
                # A ClientHello where the header should be is refused, not served.
                with server.connect() as bare:
                    bare.sendall(b"\x16\x03\x01\x00\x05hello")
                    self.assertTrue(closed_by_server(bare))


class DrainDelay(unittest.TestCase):
    def test_readyz_turns_503_at_once_and_accepting_stops_after_the_delay(self):
        with Server("--port", "0", "--threads", "1", "--metrics", "tcp://127.0.0.1:0",
                    "--drain-delay", "1", "--drain-timeout", "5", expect_lines=2) as server:
            held = server.connect()
            held.sendall(b"a")
            self.assertEqual(recv_exactly(held, 1), b"a")
            self.assertEqual(scrape(server.urls[-1].removesuffix("/metrics") + "/readyz")[0], 200)
            signalled = time.monotonic()
            server.signal()
            wait_until(lambda: scrape(server.urls[-1].removesuffix("/metrics") + "/readyz")[0] == 503, 0.5, "503")
            with server.connect() as late:  # still accepting during the delay
                late.sendall(b"b")
                self.assertEqual(recv_exactly(late, 1), b"b")

            def refused():
                try:
                    socket.create_connection(("127.0.0.1", server.port), timeout=1).close()
                    return False
                except ConnectionRefusedError:
                    return True
            wait_until(refused, 5, "the listener to close")
            self.assertGreaterEqual(time.monotonic() - signalled, 0.9)
            held.sendall(b"c")  # open connections go on through the drain
            self.assertEqual(recv_exactly(held, 1), b"c")
            held.close()
            self.assertEqual(server.wait_exit(), 0)
            self.assertIn("drain delay over", server.stderr())

    def test_after_the_delay_no_loop_keeps_the_listener_open(self):
        # Two loops, one connection: at least one loop has nothing to drain and ends at
        # once. Its listener must still close (io_uring: an accept in flight holds the
        # socket until its cancel reaches the kernel), or connects after the delay are
        # taken into the backlog and left hanging until the drain ends.
        with Server("--port", "0", "--threads", "2", "--drain-delay", "0.3",
                    "--drain-timeout", "10", expect_lines=1) as server:
            held = server.connect()
            held.sendall(b"a")
            self.assertEqual(recv_exactly(held, 1), b"a")
            server.signal()
            wait_until(lambda: "drain delay over" in server.stderr(), 5, "the delay to end")
            connected = 0
            for _ in range(20):  # each connect hashes to one of the loops' listeners
                try:
                    socket.create_connection(("127.0.0.1", server.port), timeout=1).close()
                    connected += 1
                except ConnectionRefusedError:
                    pass
            self.assertEqual(connected, 0, "connects taken after the delay")
            held.sendall(b"b")
            self.assertEqual(recv_exactly(held, 1), b"b")
            held.close()
            self.assertEqual(server.wait_exit(), 0)


if __name__ == "__main__":
    unittest.main()
