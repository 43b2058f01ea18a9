"""The HTTP echo (http:// and https:// listeners) on the real binary, with curl
as the client: the JSON answer, keep-alive reuse, pipelining over a raw socket,
chunked uploads, 100-continue, HTTP/1.0, the Host rules, TLS facts, a PROXY-named
client, every control and every limit's status, a slowloris and a client that never
reads beside an honest client, and wrk."""
import hashlib
import json
import struct
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
import unittest

from harness import SLOW, Server, metric, parse_metrics, scrape, wait_until
from tls_material import Pki


def http_server(query="", scheme="http", extra=()):
    """A one-loop HTTP listener and a metrics port."""
    url = f"{scheme}://127.0.0.1:0" + (f"?{query}" if query else "")
    return Server("--listen", url, "--threads", "1", "--metrics", "tcp://127.0.0.1:0", *extra,
                  expect_lines=2)


def curl(*args, timeout=10):
    """curl's stdout (with -w's trailer) as text; fails the test when curl fails."""
    p = subprocess.run(["curl", "-sS", "--max-time", str(timeout * SLOW), *args],
                       capture_output=True, stdin=subprocess.DEVNULL)
    if p.returncode != 0:
        raise AssertionError(f"curl {args}: {p.stderr.decode(errors='replace').strip()}")
    return p.stdout


class Conn:
    """A raw client connection that keeps what it read past one response."""

    def __init__(self, server):
        self.sock = server.connect()
        self.buffer = b""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.sock.close()

    def sendall(self, data):
        self.sock.sendall(data)

    def _more(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise AssertionError(f"closed by the server; unread {self.buffer[:200]!r}")
        self.buffer += chunk

    def response(self):
        """One HTTP/1.1 response: (status, headers with lower-case names, body)."""
        while b"\r\n\r\n" not in self.buffer:
            self._more()
        head, _, rest = self.buffer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        self.buffer = rest
        while len(self.buffer) < length:
            self._more()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return int(lines[0].split(" ")[1]), headers, body

    def until_closed(self, timeout=10):
        """Everything left until the server closes."""
        self.sock.settimeout(timeout * SLOW)
        while True:
            chunk = self.sock.recv(65536)
            if not chunk:
                return self.buffer
            self.buffer += chunk


def closed_by_server(sock, timeout=10):
    sock.settimeout(timeout * SLOW)
    try:
        while True:
            if not sock.recv(65536):
                return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


class HttpEchoTest(unittest.TestCase):
    def metrics(self, server):
        code, body = scrape(server.urls[-1])
        self.assertEqual(code, 200)
        return parse_metrics(body)

    def test_json_echo_says_what_arrived_in_order_and_original_case(self):
        with http_server() as server:
            out = curl("-H", "X-Zeta: 1", "-H", "x-alpha: two words", "--data-binary", "hé\x01llo",
                       f"http://127.0.0.1:{server.port}/some/path?a=1&b")
            doc = json.loads(out)
            self.assertEqual(doc["method"], "POST")
            self.assertEqual(doc["path"], "/some/path")
            self.assertEqual(doc["query"], "a=1&b")
            self.assertEqual(doc["version"], "HTTP/1.1")
            names = [h[0] for h in doc["headers"]]
            self.assertLess(names.index("X-Zeta"), names.index("x-alpha"))
            self.assertIn(["x-alpha", "two words"], doc["headers"])
            self.assertEqual(doc["body"], "hé\x01llo")
            self.assertEqual(doc["body_size"], len("hé\x01llo".encode()))
            self.assertEqual(doc["client"]["address"], "127.0.0.1")
            self.assertEqual(doc["client"], doc["peer"])
            self.assertEqual(doc["server"]["listener"], server.urls[0])
            self.assertNotIn("tls", doc)
            samples = self.metrics(server)
            self.assertEqual(metric(samples, "echo_http_requests_total", code="2xx",
                                    method="POST"), 1)

    def test_binary_body_is_base64_and_invalid_utf8_in_headers_stays_valid_json(self):
        with http_server() as server, Conn(server) as s:
            s.sendall(b"POST / HTTP/1.1\r\nX-Bin: \xff\xfe ok\r\nHost: x\r\nContent-Length: 3\r\n"
                      b"\r\n\x00\xff\x80")
            status, _, body = s.response()
            doc = json.loads(body)
            self.assertEqual(status, 200)
            self.assertEqual(doc["body_encoding"], "base64")
            self.assertEqual(doc["body"], "AP+A")
            self.assertEqual(doc["headers"][0], ["X-Bin", "\ufffd\ufffd ok"])

    def test_keep_alive_reuses_one_connection(self):
        with http_server() as server:
            url = f"http://127.0.0.1:{server.port}/"
            out = curl("-o", "/dev/null", "-w", "%{num_connects}\n", url, "-o", "/dev/null",
                       "-w", "%{num_connects}\n", url).decode().split()
            self.assertEqual(out, ["1", "0"])

    def test_pipelined_requests_are_answered_in_order(self):
        with http_server() as server, Conn(server) as s:
            s.sendall(b"GET /one HTTP/1.1\r\nHost: x\r\n\r\n"
                      b"POST /two?format=body HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
                      b"GET /three HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            status, _, body = s.response()
            self.assertEqual(json.loads(body)["path"], "/one")
            responses = s.until_closed()
            self.assertEqual(responses.count(b"HTTP/1.1 200 OK"), 2, responses)
            self.assertIn(b"\r\n\r\nabc", responses)
            self.assertLess(responses.index(b"abc"), responses.index(b'"/three"'))
            self.assertIn(b"Connection: close", responses)

    def test_chunked_upload_and_expect_continue(self):
        with http_server() as server:
            out = curl("-H", "Transfer-Encoding: chunked", "--data-binary", "x" * 5000,
                       f"http://127.0.0.1:{server.port}/?format=body")
            self.assertEqual(out, b"x" * 5000)
        with http_server() as server, Conn(server) as s:
            s.sendall(b"PUT /e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                      b"Content-Length: 4\r\n\r\n")
            first = s.sock.recv(100)
            self.assertEqual(first, b"HTTP/1.1 100 Continue\r\n\r\n")
            s.sendall(b"data")
            status, _, body = s.response()
            self.assertEqual((status, json.loads(body)["body"]), (200, "data"))

    def test_http_1_0_closes_unless_kept_alive(self):
        with http_server() as server:
            out = curl("--http1.0", "-i", f"http://127.0.0.1:{server.port}/ten")
            self.assertIn(b"Connection: close", out)
            self.assertIn(b'"version":"HTTP/1.0"', out)
            with Conn(server) as s:
                s.sendall(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
                status, headers, _ = s.response()
                self.assertEqual(headers.get("connection"), "keep-alive")
                s.sendall(b"GET /again HTTP/1.0\r\n\r\n")
                status, headers, body = s.response()
                self.assertEqual(json.loads(body)["path"], "/again")
                self.assertTrue(closed_by_server(s.sock))

    def test_https_gives_the_tls_facts(self):
        with tempfile.TemporaryDirectory() as d:
            pki = Pki(d)
            cert, key = pki.server("localhost")
            with http_server(f"cert={cert}&key={key}&alpn=http/1.1", scheme="https") as server:
                self.assertTrue(server.urls[0].startswith("https://"))
                out = curl("--cacert", pki.ca_cert, f"https://localhost:{server.port}/tls")
                doc = json.loads(out)
                self.assertEqual(doc["tls"]["sni"], "localhost")
                self.assertEqual(doc["tls"]["alpn"], "http/1.1")
                self.assertIn(doc["tls"]["version"], ("TLSv1.2", "TLSv1.3"))
                self.assertTrue(doc["tls"]["cipher"])
                self.assertEqual(doc["tls"]["client_verify"], "none")

    def test_client_certificate_subject_is_echoed_as_sent(self):
        # A comma and spaces: JSON-escaped only, not the log's \\x2c and \\x20.
        with tempfile.TemporaryDirectory() as d:
            pki = Pki(d)
            cert, key = pki.server("localhost")
            client_cert, client_key = pki.client("Alice Smith, Inc.")
            with http_server(f"cert={cert}&key={key}&alpn=http/1.1&ca={pki.ca_cert}"
                             "&verify=require", scheme="https") as server:
                out = curl("--cacert", pki.ca_cert, "--cert", client_cert, "--key", client_key,
                           f"https://localhost:{server.port}/mtls")
                doc = json.loads(out)
                self.assertEqual(doc["tls"]["client_verify"], "ok")
                self.assertEqual(doc["tls"]["client_subject"], "/CN=Alice Smith, Inc.")

    def test_proxy_header_names_the_client_beside_the_peer(self):
        header = b"PROXY TCP4 203.0.113.7 127.0.0.1 4711 80\r\n"
        for version in ("v1", "v2"):
            with self.subTest(version), http_server("proxy=require") as server, \
                    Conn(server) as s:
                if version == "v2":
                    body = (socket.inet_aton("203.0.113.7") + socket.inet_aton("127.0.0.1")
                            + struct.pack("!HH", 4711, 80))
                    header = (b"\r\n\r\n\x00\r\nQUIT\n" + bytes([0x21, 0x11])
                              + struct.pack("!H", len(body)) + body)
                s.sendall(header + b"GET /p HTTP/1.1\r\nHost: x\r\n\r\n")
                _, _, body = s.response()
                doc = json.loads(body)
                self.assertEqual(doc["client"], {"address": "203.0.113.7", "port": 4711})
                self.assertEqual(doc["peer"]["address"], "127.0.0.1")
                self.assertNotEqual(doc["peer"]["port"], 4711)

    def test_controls(self):
        with http_server() as server:
            base = f"http://127.0.0.1:{server.port}"
            self.assertEqual(curl("-o", "/dev/null", "-w", "%{http_code}", f"{base}/?status=503"),
                             b"503")
            self.assertEqual(curl("-o", "/dev/null", "-w", "%{http_code}", f"{base}/status/418"),
                             b"418")
            out = curl("-i", "-H", "X-Echo-Set-Header: X-One: 1", "-H",
                       "X-Echo-Set-Header: X-Two: two words", f"{base}/")
            self.assertIn(b"\r\nX-One: 1\r\n", out)
            self.assertIn(b"\r\nX-Two: two words\r\n", out)
            self.assertEqual(curl("-o", "/dev/null", "-w", "%{http_code}", "-H",
                                  "X-Echo-Set-Header: Content-Length: 1", f"{base}/"), b"400")
            self.assertEqual(len(curl(f"{base}/?size=100000")), 100000)
            self.assertEqual(curl("-o", "/dev/null", "-w", "%{http_code}",
                                  f"{base}/?size=99999999"), b"400")
            self.assertIn(b"Connection: close", curl("-i", f"{base}/?close=1"))
            text = curl("-H", "Accept: text/plain", f"{base}/t")
            self.assertTrue(text.startswith(b"GET /t HTTP/1.1\n"), text)
            self.assertTrue(curl(f"{base}/t?format=text").startswith(b"GET /t?format=text"))
            for name in ("delay", "wait"):
                start = time.monotonic()
                curl(f"{base}/?{name}=300ms")
                self.assertGreaterEqual(time.monotonic() - start, 0.3)

    def test_a_delayed_answer_does_not_hold_up_another_client(self):
        with http_server() as server, Conn(server) as slow:
            slow.sendall(b"GET /?delay=2s HTTP/1.1\r\nHost: x\r\n\r\n"
                         b"GET /after HTTP/1.1\r\nHost: x\r\n\r\n")
            start = time.monotonic()
            curl(f"http://127.0.0.1:{server.port}/fast")
            self.assertLess(time.monotonic() - start, 1.5)
            status, _, _ = slow.response()
            self.assertGreaterEqual(time.monotonic() - start, 1.9)
            # The pipelined request waited for the delayed answer, then was answered.
            _, _, body = slow.response()
            self.assertEqual(json.loads(body)["path"], "/after")

    def test_controls_off(self):
        with http_server("controls=0") as server:
            base = f"http://127.0.0.1:{server.port}"
            self.assertEqual(curl("-o", "/dev/null", "-w", "%{http_code}", f"{base}/?status=503"),
                             b"200")
            self.assertEqual(curl("-o", "/dev/null", "-w", "%{http_code}", f"{base}/status/503"),
                             b"200")
            out = curl("-i", "-H", "X-Echo-Set-Header: X-One: 1", f"{base}/?size=5&delay=5s")
            self.assertNotIn(b"X-One: 1\r\n", out)
            self.assertIn(b'"path":"/"', out)

    def test_each_limit_answers_its_status_and_is_counted(self):
        query = "max_head=256&max_headers=6&max_body=100&body_limit=50&request_timeout=0.5"
        cases = [
            ("malformed", b"GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n", 400),
            ("head_too_large", b"GET /" + b"a" * 400 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 431),
            ("too_many_headers", b"GET / HTTP/1.1\r\nHost: x\r\n" + b"".join(
                b"H%d: v\r\n" % i for i in range(8)) + b"\r\n", 431),
            ("body_too_large", b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 101\r\n\r\n", 413),
            ("request_timeout", b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ", 408),
            # Its body would be read as a second request were CONNECT read on.
            ("method_not_allowed", b"CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n"
                                   b"Content-Length: 28\r\n\r\nGET /x HTTP/1.1\r\nHost: x\r\n\r\n",
             405),
            ("version_not_supported", b"GET / HTTP/1.9\r\nHost: x\r\n\r\n", 505),
        ]
        with http_server(query) as server:
            for reason, request, status in cases:
                with self.subTest(reason), Conn(server) as s:
                    s.sendall(request)
                    got, headers, _ = s.response()
                    self.assertEqual(got, status)
                    if status == 405:
                        self.assertIn("GET", headers["allow"])
                    self.assertTrue(closed_by_server(s.sock))
            samples = self.metrics(server)
            for reason, _, _ in cases:
                self.assertEqual(metric(samples, "echo_http_refused_total", reason=reason), 1,
                                 reason)
            # Over body_limit, under max_body: size and SHA-256 stand for the body.
            out = json.loads(curl("--data-binary", "z" * 80, f"http://127.0.0.1:{server.port}/"))
            self.assertIsNone(out["body"])
            self.assertEqual(out["body_size"], 80)
            self.assertEqual(out["body_sha256"], hashlib.sha256(b"z" * 80).hexdigest())

    def test_host_rules_of_rfc_9112(self):
        """HTTP/1.1 without Host, two Host lines, or a Host that is no uri-host[:port]: 400,
        counted as malformed, closed with what follows unread. HTTP/1.0 may leave it out;
        an absolute-form target still needs a Host."""
        refused = [
            b"GET / HTTP/1.1\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n",
            b"GET / HTTP/1.0\r\nHost: user@a\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: a:8x\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: [::1\r\n\r\n",
        ]
        with http_server() as server:
            for request in refused:
                with self.subTest(request), Conn(server) as s:
                    s.sendall(request + b"GET /never HTTP/1.1\r\nHost: a\r\n\r\n")
                    status, headers, body = s.response()
                    self.assertEqual((status, headers.get("connection"), body),
                                     (400, "close", b"bad_host\n"))
                    self.assertNotIn(b"never", s.until_closed())
            with Conn(server) as s:
                s.sendall(b"GET /ten HTTP/1.0\r\n\r\n")
                status, _, body = s.response()
                self.assertEqual((status, json.loads(body)["path"]), (200, "/ten"))
            base = f"http://127.0.0.1:{server.port}"
            code = ("-o", "/dev/null", "-w", "%{http_code}")
            self.assertEqual(curl(*code, "-H", "Host:", f"{base}/"), b"400")
            self.assertEqual(curl(*code, "-H", "Host:", "--http1.0", f"{base}/"), b"200")
            self.assertEqual(curl(*code, "-H", "Host: a b", f"{base}/"), b"400")
            self.assertEqual(curl(*code, "-H", "Host: [::1]:8080", f"{base}/"), b"200")
            doc = json.loads(curl("--request-target", "http://elsewhere.example/abs", f"{base}/"))
            self.assertEqual(doc["path"], "http://elsewhere.example/abs")
            self.assertIn(["Host", f"127.0.0.1:{server.port}"], doc["headers"])
            self.assertEqual(curl(*code, "-H", "Host:", "--request-target", "http://a/",
                                  f"{base}/"), b"400")
            samples = self.metrics(server)
            self.assertEqual(metric(samples, "echo_http_refused_total", reason="malformed"),
                             len(refused) + 3)
            self.assertEqual(metric(samples, "echo_http_requests_total", code="4xx",
                                    method="GET"), len(refused) + 3)

    def test_max_requests_closes_after_the_last(self):
        with http_server("max_requests=2") as server, Conn(server) as s:
            s.sendall(b"".join(b"GET /%d HTTP/1.1\r\nHost: x\r\n\r\n" % i for i in (1, 2, 3)))
            data = s.until_closed()
            self.assertEqual(data.count(b"HTTP/1.1 200"), 2)
            self.assertNotIn(b'"/3"', data)

    def test_slowloris_gets_408_while_an_honest_client_is_served(self):
        with http_server("request_timeout=1") as server, Conn(server) as loris:
            loris.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
            start = time.monotonic()
            for _ in range(20):
                curl(f"http://127.0.0.1:{server.port}/honest")
            self.assertLess(time.monotonic() - start, 1.0)
            for _ in range(3):
                try:
                    loris.sendall(b"X: y\r\n")
                except OSError:
                    break
            status, _, _ = loris.response()
            self.assertEqual(status, 408)
            self.assertTrue(closed_by_server(loris.sock))
            self.assertLess(time.monotonic() - start, 3 * SLOW)

    def test_a_client_that_never_reads_is_closed_while_an_honest_one_is_served(self):
        # 1 MB answers pipelined to a socket that never reads: once the buffers fill,
        # no byte moves for request_timeout and the server closes the connection,
        # TLS records still queued below the HTTP echo and all.
        with tempfile.TemporaryDirectory() as d:
            pki = Pki(d)
            cert, key = pki.server("localhost")
            for scheme in ("http", "https"):
                with self.subTest(scheme), \
                        http_server(f"request_timeout=0.5&cert={cert}&key={key}" if scheme == "https"
                                    else "request_timeout=0.5", scheme=scheme) as server:
                    hog = socket.socket()
                    hog.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
                    hog.connect(("127.0.0.1", server.port))
                    if scheme == "https":
                        hog = ssl.create_default_context(cafile=pki.ca_cert).wrap_socket(
                            hog, server_hostname="localhost")
                    hog.sendall(b"GET /?size=1000000 HTTP/1.1\r\nHost: x\r\n\r\n" * 16)
                    start = time.monotonic()
                    for i in range(20):
                        out = curl("--cacert", pki.ca_cert,
                                   f"{scheme}://localhost:{server.port}/h{i}")
                        self.assertEqual(json.loads(out)["path"], f"/h{i}")
                    wait_until(lambda: metric(self.metrics(server),
                                              "echo_connections_closed_total",
                                              reason="app_closed") == 1,
                               5, "the reader-less client closed")
                    self.assertGreater(time.monotonic() - start, 0.45)
                    hog.close()

    @unittest.skipUnless(shutil.which("wrk"), "wrk is not installed")
    def test_wrk_keep_alive_load_has_no_errors(self):
        with http_server() as server:
            p = subprocess.run(["wrk", "-t1", "-c16", "-d2s", "--timeout", "2s",
                                f"http://127.0.0.1:{server.port}/?format=body"],
                               capture_output=True, text=True, timeout=30 * SLOW)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertNotIn("Non-2xx", p.stdout, p.stdout)
            self.assertNotIn("Socket errors", p.stdout, p.stdout)
            requests = int(p.stdout.split(" requests in ")[0].split()[-1])
            self.assertGreater(requests, 100, p.stdout)


if __name__ == "__main__":
    unittest.main()
