"""The admin endpoint (--admin): GET /listeners, a PUT that a fresh connection's
echo shows within a second, the same on connections already open (a lower delay,
a higher rate), DELETE, the parser's own 400 lines, a udp drop change measured by
echo-bench, and the refusals: a non-loopback bind without a token file, requests
without the right bearer token (a 401 names the scheme, whose name is matched in
any case), bodies framed two ways, and a made-up key quoted without its control
bytes."""
import json
import math
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse

from harness import (SLOW, Server, metric, parse_metrics, run_bench, run_server, scrape,
                     wait_until)


def curl(method, url, body=None, token=None, headers=()):
    """A real HTTP client: (status, body)."""
    args = ["curl", "-sS", "--max-time", str(10 * SLOW), "-X", method, "-w", "\n%{http_code}"]
    if body is not None:
        args += ["-H", "Content-Type: application/json", "--data-binary", body]
    if token is not None:
        args += ["-H", f"Authorization: Bearer {token}"]
    for header in headers:
        args += ["-H", header]
    p = subprocess.run([*args, url], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if p.returncode != 0:
        raise AssertionError(f"curl {method} {url}: {p.stderr.strip()}")
    text, _, code = p.stdout.rpartition("\n")
    return int(code), text.removesuffix("\n")


def raw_exchange(port, request):
    """The whole answer to `request` sent on a plain socket, read until EOF."""
    with socket.create_connection(("127.0.0.1", port), timeout=10 * SLOW) as s:
        s.sendall(request)
        answer = bytearray()
        while chunk := s.recv(4096):
            answer += chunk
    return bytes(answer)


def echo_time(sock):
    """Seconds for one byte's echo on an open connection."""
    start = time.monotonic()
    sock.sendall(b"x")
    if sock.recv(1) != b"x":
        raise AssertionError("no echo")
    return time.monotonic() - start


def open_connection(host, port):
    s = socket.create_connection((host, port), timeout=10 * SLOW)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def round_trip(port):
    """Seconds for one byte's echo on a new connection."""
    with open_connection("127.0.0.1", port) as s:
        return echo_time(s)


class AdminTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server("--listen", "tcp://127.0.0.1:0?delay=0", "--listen",
                            "udp://127.0.0.1:0?seed=16", "--listen", "tcp://127.0.0.2:0",
                            "--threads", "2", "--metrics", "tcp://127.0.0.1:0",
                            "--admin", "tcp://127.0.0.1:0", expect_lines=5)
        cls.tcp, cls.udp, cls.raw, metrics, admin = cls.server.urls
        cls.metrics = metrics
        cls.admin = admin.removesuffix("/listeners")
        cls.tcp_port = int(cls.tcp.rsplit(":", 1)[1])
        # Before any test changes a listener's faults.
        cls.first_listing = curl("GET", f"{cls.admin}/listeners")

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def faults_url(self, name):
        return f"{self.admin}/listeners/{name}/faults"

    def test_get_lists_every_listener_with_its_faults(self):
        code, body = self.first_listing
        self.assertEqual(code, 200, body)
        listeners = json.loads(body)
        self.assertEqual([l["name"] for l in listeners], [self.tcp, self.udp, self.raw])
        self.assertEqual([l["index"] for l in listeners], [0, 1, 2])
        self.assertEqual(listeners[0]["kind"], "stream")
        self.assertEqual(listeners[1]["kind"], "datagram")
        self.assertEqual(listeners[1]["faults"], "seed=16")
        self.assertEqual(listeners[1]["fields"], {"seed": "16"})
        self.assertFalse(listeners[2]["changeable"], "started without a fault key")

    def test_put_shows_within_a_second_and_delete_clears_it(self):
        self.assertLess(round_trip(self.tcp_port), 0.15 * SLOW, "no delay to begin with")
        code, body = curl("PUT", self.faults_url(0), '{"delay":"200ms"}')
        self.assertEqual(code, 200, body)
        self.assertIn('"applies_to":{"new_connections":["delay"],"open_connections":["delay"]}',
                      body)
        changed = time.monotonic()
        seen = wait_until(lambda: round_trip(self.tcp_port) >= 0.2, 1, "the delay in an echo")
        self.assertTrue(seen)
        self.assertLess(time.monotonic() - changed, 1.0 + 0.25 * SLOW)
        self.server.wait_log(f"changed the faults of {self.tcp}: 'delay=0' -> 'delay=200ms'")

        # By its URL-encoded announced URL this time.
        code, body = curl("DELETE", self.faults_url(urllib.parse.quote(self.tcp, safe="")))
        self.assertEqual(code, 200, body)
        self.assertLess(round_trip(self.tcp_port), 0.15 * SLOW, "the delay is gone")

    def test_bad_keys_get_the_parsers_line(self):
        code, body = curl("PUT", self.faults_url(0), '{"delay":"2h"}')
        self.assertEqual((code, body), (400, "delay must be a duration (250ms, 1.5s) of at most 60 s"))
        # The same line the URL parser gives at start.
        _, _, stderr = run_server("--listen", "tcp://127.0.0.1:0?delay=2h")
        self.assertIn(body, stderr)
        code, body = curl("PUT", self.faults_url(1), '{"slice":"100,20"}')
        self.assertEqual((code, body), (400, "unknown fault key 'slice'"))
        code, body = curl("PUT", self.faults_url(2), '{"delay":"1s"}')
        self.assertEqual(code, 409)
        self.assertIn("delay=0", body)
        code, _ = curl("PUT", self.faults_url(0), "x" * (16 * 1024 + 1))
        self.assertEqual(code, 413)

    def test_a_udp_drop_change_is_measured(self):
        p = 0.2
        code, body = curl("PUT", self.faults_url(1), f'{{"drop":{p},"seed":16}}')
        self.assertEqual(code, 200, body)
        self.assertIn('"applies_to":"every datagram from the next batch on"', body)
        try:
            _, report, stderr = run_bench(self.udp, "--rate", "2000", "--duration", "0.5",
                                          "--warmup", "0", "--drain", "3", "--loss-timeout",
                                          "0.3", "--no-live")
            self.assertIsNotNone(report, stderr)
            n, lost = report["sent_messages"], report["errors"]["lost"]
            self.assertGreater(n, 500, report)
            self.assertLessEqual(abs(lost - n * p), 3.29 * math.sqrt(n * p * (1 - p)) + 1,
                                 f"{lost} lost of {n}, outside the 99.9 % interval of {p}")
            dropped = metric(parse_metrics(scrape(self.metrics)[1]),
                             "echo_datagrams_faulted_total", listener=self.udp, fault="dropped")
            self.assertEqual(dropped, lost)
        finally:
            self.assertEqual(curl("DELETE", self.faults_url(1))[0], 200)
        _, report, stderr = run_bench(self.udp, "--rate", "2000", "--duration", "0.2",
                                      "--warmup", "0", "--drain", "3", "--loss-timeout", "0.3",
                                      "--no-live")
        self.assertIsNotNone(report, stderr)
        self.assertEqual(report["errors"]["lost"], 0, "nothing dropped once cleared")

    def test_an_oversized_body_gets_413_not_a_reset(self):
        port = int(self.admin.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10 * SLOW) as s:
            s.sendall(b"PUT /listeners/0/faults HTTP/1.1\r\nHost: x\r\n"
                      b"Content-Length: 1000000\r\n\r\n")
            answer = s.recv(4096)
            # The body the server will not read, after its answer: still no reset.
            for _ in range(16):
                s.sendall(b"{" * 4096)
            while chunk := s.recv(4096):
                answer += chunk
        self.assertTrue(answer.startswith(b"HTTP/1.1 413 "), answer)
        self.assertIn(b"at most 16384 bytes", answer)

    def test_framing_it_cannot_trust_is_refused(self):
        port = int(self.admin.rsplit(":", 1)[1])
        before = curl("GET", self.faults_url(0))
        # Which of two lengths ends the body would be a guess: 400.
        answer = raw_exchange(port, b"PUT /listeners/0/faults HTTP/1.1\r\nHost: x\r\n"
                                    b"Content-Length: 2\r\nContent-Length: 15\r\n\r\n"
                                    b'{"delay":"1ms"}')
        self.assertTrue(answer.startswith(b"HTTP/1.1 400 "), answer)
        # A chunked body from a real client: 411 and the line that says what to do.
        code, body = curl("PUT", self.faults_url(0), '{"delay":"1ms"}',
                          headers=["Transfer-Encoding: chunked"])
        self.assertEqual((code, body),
                         (411, "send the body with Content-Length: Transfer-Encoding is not "
                               "read here"))
        self.assertEqual(curl("GET", self.faults_url(0)), before, "neither request changed anything")

    def test_a_made_up_key_is_quoted_without_its_control_bytes(self):
        code, body = curl("PUT", self.faults_url(0), '{"a\\u0001\\r\\nX-Forged: 1":"1"}')
        self.assertEqual((code, body), (400, "unknown fault key 'a\\x01\\x0d\\x0aX-Forged: 1'"))

    def test_requests_are_counted_by_status(self):
        curl("GET", f"{self.admin}/nowhere")
        samples = parse_metrics(scrape(self.metrics)[1])
        self.assertGreaterEqual(metric(samples, "echo_admin_requests_total", status="404"), 1)


class OpenConnectionTest(unittest.TestCase):
    """A change reaches connections already open, for the keys where that is well
    defined; the answer lists them."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server("--listen", "tcp://127.0.0.1:0?delay=300ms&close_after=1MiB",
                            "--listen", "tcp://127.0.0.2:0?rate=20KiB",
                            "--admin", "tcp://127.0.0.1:0", expect_lines=3)
        delayed, rated, admin = cls.server.urls
        cls.delayed = int(delayed.rsplit(":", 1)[1])
        cls.rated = int(rated.rsplit(":", 1)[1])
        cls.admin = admin.removesuffix("/listeners")

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def change(self, index, method, body=None):
        code, answer = curl(method, f"{self.admin}/listeners/{index}/faults", body)
        self.assertEqual(code, 200, answer)
        return json.loads(answer)["applies_to"]

    def test_a_lower_delay_shows_on_the_same_connection_within_a_second(self):
        with open_connection("127.0.0.1", self.delayed) as s:
            self.assertGreaterEqual(echo_time(s), 0.3)
            applies_to = self.change(0, "PUT", '{"delay":"20ms"}')
            changed = time.monotonic()
            # close_after was cleared: new connections only, a cut counts from the start.
            self.assertEqual(applies_to, {"new_connections": ["delay", "close_after"],
                                          "open_connections": ["delay"]})
            times = []
            wait_until(lambda: times.append(echo_time(s)) or times[-1] < 0.1 * SLOW, 1,
                       "the lower delay on the open connection")
            self.assertLess(time.monotonic() - changed, 1.0 * SLOW, times)
            self.assertGreaterEqual(times[-1], 0.02, "the new delay, not none")
            self.assertEqual(self.change(0, "DELETE"),
                             {"new_connections": ["delay"], "open_connections": ["delay"]})
            self.assertLess(min(echo_time(s) for _ in range(3)), 0.015 * SLOW,
                            "straight through after DELETE")

    def test_a_higher_rate_shows_on_the_same_connection(self):
        rate = 20 * 1024
        with open_connection("127.0.0.2", self.rated) as s:
            sent = bytes((i * 7 + (i >> 10)) & 0xFF for i in range(400 * 1024))
            sender = threading.Thread(target=s.sendall, args=(sent,))
            sender.start()
            received = bytearray()
            try:
                got, start = 0, time.monotonic()
                while time.monotonic() - start < 0.5:
                    data = s.recv(65536)
                    self.assertTrue(data)
                    received += data
                    got += len(data)
                # Half a second of the rate, on top of the bucket's first quantum.
                self.assertLessEqual(got, 0.6 * rate + 1024)
                self.assertEqual(self.change(1, "PUT", '{"rate":"10MiB"}'),
                                 {"new_connections": ["rate"], "open_connections": ["rate"]})
                changed = time.monotonic()
                while got < len(sent):
                    data = s.recv(65536)
                    self.assertTrue(data)
                    received += data
                    got += len(data)
                took = time.monotonic() - changed
                # The rest, 390 KiB or more, in a second: over 19 times the old rate.
                self.assertLess(took, 1.0 * SLOW, "the rest at the new rate")
                self.assertEqual(bytes(received), sent, "every byte, in order, across the change")
            finally:
                s.shutdown(socket.SHUT_WR)
                sender.join(10 * SLOW)
                self.change(1, "PUT", '{"rate":"20KiB"}')


class AdminRefusalTest(unittest.TestCase):
    def test_non_loopback_without_a_token_file_is_refused_at_start(self):
        code, stdout, stderr = run_server("--listen", "tcp://127.0.0.1:0",
                                          "--admin", "tcp://0.0.0.0:0")
        self.assertNotEqual(code, 0)
        self.assertEqual(stdout, "", "nothing announced")
        self.assertIn("not a loopback address; give --admin-token-file", stderr)
        self.assertEqual(len(stderr.strip().splitlines()), 1, stderr)

    def test_a_token_file_requires_the_bearer_token(self):
        with tempfile.NamedTemporaryFile("w", suffix=".token") as f:
            f.write("s3cret\n")
            f.flush()
            # A non-loopback address is allowed with a token; only loopback is spoken to.
            with Server("--listen", "tcp://127.0.0.1:0?delay=0", "--admin", "tcp://0.0.0.0:0",
                        "--admin-token-file", f.name, expect_lines=2) as server:
                port = server.urls[1].removesuffix("/listeners").rsplit(":", 1)[1]
                url = f"http://127.0.0.1:{port}/listeners"
                self.assertEqual(curl("GET", url)[0], 401)
                self.assertEqual(curl("GET", url, token="wrong")[0], 401)
                self.assertEqual(curl("GET", url, token="s3cret")[0], 200)
                # The scheme's name in any case (RFC 9110 11.1); a 401 names the scheme.
                self.assertEqual(curl("GET", url, headers=["Authorization: bearer s3cret"])[0],
                                 200)
                answer = raw_exchange(int(port), b"GET /listeners HTTP/1.1\r\nHost: x\r\n\r\n")
                self.assertTrue(answer.startswith(b"HTTP/1.1 401 "), answer)
                self.assertIn(b"\r\nWWW-Authenticate: Bearer\r\n", answer.partition(b"\r\n\r\n")[0])
                code, _ = curl("PUT", url.removesuffix("/listeners") + "/listeners/0/faults",
                               '{"delay":"1ms"}', token="wrong")
                self.assertEqual(code, 401)


if __name__ == "__main__":
    unittest.main()
