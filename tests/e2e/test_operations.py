"""Operations: connection limits acting at their thresholds, Prometheus metrics that
match the traffic, JSON logs, SIGHUP log reopening and the SIGUSR1 status line."""
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import unittest

from harness import ENGINE, SLOW, Server, metric, parse_metrics, run_bench, run_server, scrape, wait_until

METRICS = ["--metrics", "tcp://127.0.0.1:0"]


def read(path):
    with open(path) as f:
        return f.read()


def metrics_of(server):
    code, body = scrape(server.urls[-1])
    assert code == 200, code
    return parse_metrics(body)


def closed_by_server(sock, timeout=10):
    """True once the server closed `sock` (EOF or reset), False if still open at the
    deadline."""
    sock.settimeout(timeout * SLOW)
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def echo_once(sock, payload=b"ping"):
    sock.sendall(payload)
    got = b""
    while len(got) < len(payload):
        data = sock.recv(len(payload) - len(got))
        if not data:
            break
        got += data
    return got


class LimitsTest(unittest.TestCase):
    def refusals(self, server, reason):
        return metric(metrics_of(server), "echo_connections_refused_total", reason=reason)

    def test_max_connections_refuses_the_one_over(self):
        with Server("--port", "0", "--threads", "2", "--max-connections", "3", *METRICS,
                    expect_lines=2) as server:
            held = [server.connect() for _ in range(3)]
            for s in held:
                self.assertEqual(echo_once(s), b"ping")
            extra = server.connect()
            self.assertTrue(closed_by_server(extra), "the 4th connection stayed open")
            self.assertEqual(self.refusals(server, "max_connections"), 1)
            held.pop().close()
            wait_until(lambda: metric(metrics_of(server), "echo_connections_open") == 2, 10,
                       "the closed connection to leave the count")
            again = server.connect()
            self.assertEqual(echo_once(again), b"ping", "a freed place was not reusable")
            for s in [*held, extra, again]:
                s.close()

    def test_max_connections_per_ip_counts_each_address(self):
        with Server("--listen", "tcp://127.0.0.1:0", "--max-connections-per-ip", "2", *METRICS,
                    expect_lines=2) as server:
            a = [server.connect(host="127.0.0.1") for _ in range(2)]
            for s in a:
                self.assertEqual(echo_once(s), b"ping")
            third = server.connect(host="127.0.0.1")
            self.assertTrue(closed_by_server(third))
            # Another loopback address is another client.
            other = socket.create_connection(("127.0.0.1", server.port), timeout=10,
                                             source_address=("127.0.0.2", 0))
            self.assertEqual(echo_once(other), b"ping")
            self.assertEqual(self.refusals(server, "max_connections_per_ip"), 1)
            for s in [*a, third, other]:
                s.close()

    def test_accept_rate_refuses_beyond_the_burst(self):
        with Server("--port", "0", "--max-accept-rate", "5", *METRICS, expect_lines=2) as server:
            socks = [server.connect() for _ in range(20)]
            # Reuseport threads accept in their own order: which ones stay is open.
            kept = [s for s in socks if not closed_by_server(s, timeout=0.5)]
            # A burst of 5 plus what trickled in while connecting (5/s); never all 20.
            self.assertGreaterEqual(len(kept), 5)
            self.assertLessEqual(len(kept), 10)
            self.assertEqual(self.refusals(server, "accept_rate"), 20 - len(kept))
            self.assertEqual(echo_once(kept[0]), b"ping")
            for s in socks:
                s.close()

    def test_idle_timeout_closes_only_the_silent(self):
        with Server("--port", "0", "--idle-timeout", "1", *METRICS, expect_lines=2) as server:
            silent, chatty = server.connect(), server.connect()
            start = time.monotonic()
            deadline = start + 3
            while time.monotonic() < deadline:  # traffic every 0.2 s keeps it alive
                self.assertEqual(echo_once(chatty), b"ping")
                silent.settimeout(0.2)
                try:
                    if silent.recv(1) == b"":
                        break
                except socket.timeout:
                    pass
            waited = time.monotonic() - start
            self.assertGreaterEqual(waited, 0.9, "closed before the timeout")
            self.assertLess(waited, 2.5 * SLOW, "not closed after the timeout")
            self.assertEqual(echo_once(chatty), b"ping", "an active connection was closed")
            m = metrics_of(server)
            self.assertEqual(metric(m, "echo_connections_closed_total", reason="idle_timeout"), 1)
            silent.close()
            chatty.close()

    def test_max_lifetime_closes_even_the_busy(self):
        with Server("--port", "0", "--max-lifetime", "1", *METRICS, expect_lines=2) as server:
            s = server.connect()
            start = time.monotonic()
            self.assertEqual(echo_once(s), b"ping")
            self.assertTrue(closed_by_server(s))
            lived = time.monotonic() - start
            self.assertGreaterEqual(lived, 0.9)
            self.assertLess(lived, 1.0 + 1.0 * SLOW, "closed well after its lifetime")
            m = metrics_of(server)
            self.assertEqual(metric(m, "echo_connections_closed_total", reason="max_lifetime"), 1)
            s.close()

    def test_max_connection_bytes_closes_past_the_cap(self):
        with Server("--port", "0", "--max-connection-bytes", "1KiB", *METRICS,
                    expect_lines=2) as server:
            s = server.connect()
            self.assertEqual(echo_once(s, b"x" * 1024), b"x" * 1024, "at the cap still echoes")
            s.sendall(b"y")
            self.assertTrue(closed_by_server(s))
            m = metrics_of(server)
            self.assertEqual(
                metric(m, "echo_connections_closed_total", reason="max_connection_bytes"), 1)
            s.close()

    def test_bad_limits_are_usage_errors(self):
        for args in (["--max-connections", "-1"], ["--idle-timeout", "soon"],
                     ["--max-accept-rate", "-5"], ["--metrics", "udp://127.0.0.1:9100"],
                     ["--log-format", "xml"]):
            code, out, err = run_server(*args)
            self.assertEqual(code, 2, args)
            self.assertEqual(out, "")
            self.assertIn("Try 'echo-server --help'", err)


class MetricsTest(unittest.TestCase):
    def test_counters_match_the_traffic_and_promtool_accepts_them(self):
        with Server("--listen", "tcp://127.0.0.1:0", "--listen", "udp://127.0.0.1:0",
                    *METRICS, expect_lines=3) as server:
            tcp, udp = server.urls[0], server.urls[1]
            code, report, err = run_bench(tcp, "--conns", "4", "--size", "100", "--duration", "1",
                                          "--warmup", "0", "--drain", "5")
            self.assertEqual(code, 0, err)
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                u.settimeout(10)
                host, port = udp.removeprefix("udp://").rsplit(":", 1)
                for _ in range(7):
                    u.sendto(b"d" * 50, (host, int(port)))
                    u.recvfrom(100)
            wait_until(lambda: metric(metrics_of(server), "echo_connections_open") == 0, 10,
                       "echo-bench's connections to close")
            code, body = scrape(server.urls[-1])
            check = subprocess.run(["promtool", "check", "metrics"], input=body,
                                   capture_output=True, text=True)
            self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
            m = parse_metrics(body)
            sent = report["sent_messages"] * 100
            self.assertEqual(metric(m, "echo_received_bytes_total", listener=tcp), sent)
            self.assertEqual(metric(m, "echo_sent_bytes_total", listener=tcp), sent)
            self.assertEqual(metric(m, "echo_connections_accepted_total", listener=tcp), 4)
            self.assertEqual(
                metric(m, "echo_connections_closed_total", listener=tcp, reason="peer_closed"), 4)
            self.assertEqual(metric(m, "echo_received_messages_total", listener=udp), 7)
            self.assertEqual(metric(m, "echo_sent_bytes_total", listener=udp), 350)
            self.assertGreater(metric(m, "process_resident_memory_bytes"), 0)
            if ENGINE:
                self.assertEqual(metric(m, "echo_build_info", engine=ENGINE), 1)

    def test_health_ready_and_unknown_paths(self):
        with Server("--port", "0", "--drain-timeout", "30", *METRICS, expect_lines=2) as server:
            base = server.urls[-1].removesuffix("/metrics")
            self.assertEqual(scrape(base + "/healthz"), (200, "ok\n"))
            self.assertEqual(scrape(base + "/readyz"), (200, "ready\n"))
            self.assertEqual(scrape(base + "/nope")[0], 404)
            held = server.connect()
            self.assertEqual(echo_once(held), b"ping")
            server.signal(signal.SIGTERM)  # draining: not ready, still healthy
            wait_until(lambda: scrape(base + "/readyz")[0] == 503, 10, "readyz to turn 503")
            self.assertEqual(scrape(base + "/healthz")[0], 200)
            held.close()
            self.assertEqual(server.wait_exit(), 0)

    def test_a_stalled_scraper_does_not_stop_the_echo(self):
        with Server("--port", "0", *METRICS, expect_lines=2) as server:
            host, port = server.urls[-1].removeprefix("http://").split("/")[0].rsplit(":", 1)
            stalled = socket.create_connection((host, int(port)), timeout=10)
            stalled.sendall(b"GET /metrics HTTP/1.1\r\n")  # and never the rest
            s = server.connect()
            self.assertEqual(echo_once(s), b"ping")
            self.assertEqual(scrape(server.urls[-1])[0], 200, "no scrape after the stall")
            stalled.close()
            s.close()

    def scrape_beside_stalled(self, count):
        """Opens `count` connections to /metrics that send half a request line and
        stall, then times one honest curl scrape; returns (status, seconds, whether the
        first stalled client had been closed by the server by then)."""
        with Server("--port", "0", *METRICS, expect_lines=2) as server:
            host, port = server.urls[-1].removeprefix("http://").split("/")[0].rsplit(":", 1)
            stalled = []
            try:
                for _ in range(count):
                    s = socket.create_connection((host, int(port)), timeout=10 * SLOW)
                    s.sendall(b"GET /metr")  # and never the rest
                    stalled.append(s)
                started = time.monotonic()
                code, _ = scrape(server.urls[-1], timeout=5)
                took = time.monotonic() - started
                return code, took, closed_by_server(stalled[0], timeout=0.1)
            finally:
                for s in stalled:
                    s.close()

    def test_twenty_stalled_clients_do_not_delay_a_scrape(self):
        code, took, first_closed = self.scrape_beside_stalled(20)
        self.assertEqual(code, 200)
        self.assertFalse(first_closed, "a stalled client was dropped before its deadline")
        self.assertLess(took, 0.5 * SLOW, f"scrape took {took:.3f} s beside 20 stalled clients")

    def test_more_stalled_clients_than_slots_still_let_a_scrape_through(self):
        code, took, first_closed = self.scrape_beside_stalled(100)
        self.assertEqual(code, 200)
        self.assertTrue(first_closed, "the set never filled: the oldest stalled client was kept")
        self.assertLess(took, 1.0 * SLOW, f"scrape took {took:.3f} s beside 100 stalled clients")


class LogsTest(unittest.TestCase):
    def test_json_lines_with_stable_keys(self):
        with Server("--port", "0", "--log-format", "json") as server:
            s = server.connect()
            self.assertEqual(echo_once(s, b"abc"), b"abc")
            s.close()
            server.wait_log('"event":"closed"')
        records = [json.loads(line) for line in server.stderr().splitlines()]
        closed = next(r for r in records if r["event"] == "closed")
        for key in ("ts", "level", "peer", "listener", "bytes_in", "bytes_out", "duration_ms",
                    "reason"):
            self.assertIn(key, closed)
        self.assertEqual((closed["bytes_in"], closed["bytes_out"]), (3, 3))
        self.assertEqual(closed["reason"], "peer_closed")
        self.assertEqual(closed["listener"], server.urls[0])
        self.assertTrue(any(r["event"] == "connected" for r in records))
        self.assertTrue(all(r["ts"].endswith("Z") for r in records))

    def test_json_warning_event_and_plain_message_lines(self):
        # A warning event (through the event sink) and a line that is no event (through
        # the default logger) share the stream; each keeps its own JSON shape.
        with Server("--listen", "tcp://127.0.0.1:0", "--max-connections-per-ip", "1",
                    "--log-format", "json") as server:
            first = server.connect(host="127.0.0.1")
            self.assertEqual(echo_once(first), b"ping")
            second = server.connect(host="127.0.0.1")
            self.assertTrue(closed_by_server(second))
            server.wait_log('"event":"refused"')
            server.signal(signal.SIGHUP)
            server.wait_log("SIGHUP: log reopened")
            first.close()
            second.close()
        records = [json.loads(line) for line in server.stderr().splitlines()]
        refused = next(r for r in records if r["event"] == "refused")
        self.assertEqual((refused["level"], refused["reason"], refused["listener"]),
                         ("warning", "max_connections_per_ip", server.urls[0]))
        self.assertTrue(refused["peer"].startswith("127.0.0.1:"), refused)
        message = next(r for r in records if r["event"] == "message")
        self.assertEqual((message["level"], message["msg"]), ("info", "SIGHUP: log reopened"))
        self.assertEqual(set(message), {"ts", "level", "event", "msg"})

    def test_sighup_reopens_the_log_file_and_sigusr1_reports(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "echo.log")
            with Server("--port", "0", "--log-file", path) as server:
                s = server.connect()
                echo_once(s)
                wait_until(lambda: "connected by" in read(path), 10, "a line in the file")
                os.rename(path, path + ".1")  # what logrotate does
                server.signal(signal.SIGHUP)
                wait_until(lambda: os.path.exists(path), 10, "the log file to be recreated")
                server.signal(signal.SIGUSR1)
                wait_until(lambda: "status: 1 connections open" in read(path), 10,
                           "the status line in the new file")
                s.close()
            with open(path + ".1") as rotated:
                self.assertIn("connected by", rotated.read())
            self.assertEqual(server.stderr(), "", "logs went to stderr despite --log-file")

    def test_unwritable_log_file_is_a_setup_error(self):
        code, out, err = run_server("--port", "0", "--log-file", "/nonexistent/dir/echo.log")
        self.assertEqual(code, 1)
        self.assertEqual(out, "")
        self.assertRegex(err, r"^echo-server: --log-file /nonexistent/dir/echo.log: .*\n$")


if __name__ == "__main__":
    unittest.main()
