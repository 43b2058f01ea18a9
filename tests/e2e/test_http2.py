"""The HTTP echo over HTTP/2 on the real binary: curl with prior knowledge and by
Upgrade over http://, curl over https:// through ALPN h2 (and the user's alpn= kept,
h2=0), nghttp with concurrent streams and a POST body, a short h2load run with no
errors, uploads past the per-connection bound paced by flow control (and a raw
client that ignores the windows), a client that never reads closed after
request_timeout, and hostile raw-socket clients (streams never read, rapid
resets) beside an honest one whose latency stays bounded."""
import json
import shutil
import socket
import struct
import subprocess
import tempfile
import threading
import time
import unittest

from harness import SLOW, Server, wait_until
from tls_material import Pki

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


def http_server(query="", scheme="http"):
    url = f"{scheme}://127.0.0.1:0" + (f"?{query}" if query else "")
    return Server("--listen", url, "--threads", "1", "--log-level", "info")


def curl(*args, timeout=10):
    """(stdout, http_version) of one curl run; fails the test when curl fails."""
    p = subprocess.run(["curl", "-sS", "--max-time", str(timeout * SLOW),
                        "-w", "\n%{http_version}", *args],
                       capture_output=True, stdin=subprocess.DEVNULL)
    if p.returncode != 0:
        raise AssertionError(f"curl {args}: {p.stderr.decode(errors='replace').strip()}")
    body, _, version = p.stdout.rpartition(b"\n")
    return body, version.decode()


def frame(kind, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + \
        struct.pack(">I", stream) + payload


def get_block(path):
    """:method GET, :scheme http, :path and :authority literals (HPACK, no indexing)."""
    p = path.encode()
    return b"\x82\x86\x04" + bytes([len(p)]) + p + b"\x01\x04test"


def read_frames(sock, until, timeout):
    """Frames from `sock` until until(kind, flags, stream, payload) is true, or EOF."""
    sock.settimeout(timeout * SLOW)
    buffer = b""
    while True:
        while len(buffer) >= 9:
            length = int.from_bytes(buffer[:3], "big")
            if len(buffer) < 9 + length:
                break
            kind, flags = buffer[3], buffer[4]
            stream = int.from_bytes(buffer[5:9], "big") & 0x7fffffff
            payload, buffer = buffer[9:9 + length], buffer[9 + length:]
            if until(kind, flags, stream, payload):
                return True
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return False  # closed with our bytes unread: the kernel sends a reset
        if not chunk:
            return False
        buffer += chunk


class Http2Test(unittest.TestCase):
    def setUp(self):
        for tool in ("curl", "nghttp", "h2load"):
            if shutil.which(tool) is None:
                self.skipTest(f"{tool} not installed (Debian curl, nghttp2-client)")

    def test_prior_knowledge_over_cleartext(self):
        with http_server() as server:
            body, version = curl("--http2-prior-knowledge", "-H", "X-Zeta: 1",
                                 "--data-binary", "hé\x01llo",
                                 f"http://127.0.0.1:{server.port}/p?a=1")
            self.assertEqual(version, "2")
            doc = json.loads(body)
            self.assertEqual(doc["version"], "HTTP/2")
            self.assertEqual(doc["method"], "POST")
            self.assertEqual(doc["path"], "/p")
            self.assertEqual(doc["query"], "a=1")
            self.assertEqual(doc["body"], "hé\x01llo")
            names = [h[0] for h in doc["headers"]]
            self.assertEqual(names[:4], [":method", ":path", ":scheme", ":authority"])
            self.assertIn(["x-zeta", "1"], doc["headers"])
            # The same listener still speaks HTTP/1.1.
            body, version = curl("--http1.1", f"http://127.0.0.1:{server.port}/one")
            self.assertEqual((version, json.loads(body)["version"]), ("1.1", "HTTP/1.1"))
            server.wait_log("request")

    def test_upgrade_h2c(self):
        with http_server() as server:
            body, version = curl("--http2", f"http://127.0.0.1:{server.port}/up?x=1")
            self.assertEqual(version, "2")
            doc = json.loads(body)
            self.assertEqual(doc["path"], "/up")
            # The request that asked for the upgrade arrived as HTTP/1.1, and says so.
            self.assertEqual(doc["version"], "HTTP/1.1")
            self.assertIn("h2c", [v for n, v in doc["headers"] if n.lower() == "upgrade"])

    def test_https_offers_h2_by_alpn_and_keeps_a_chosen_alpn(self):
        with tempfile.TemporaryDirectory() as d:
            pki = Pki(d)
            cert, key = pki.server("localhost")
            with http_server(f"cert={cert}&key={key}", scheme="https") as server:
                url = f"https://localhost:{server.port}/tls"
                resolve = ["--resolve", f"localhost:{server.port}:127.0.0.1", "--cacert",
                           pki.ca_cert]
                body, version = curl("--http2", *resolve, url)
                self.assertEqual(version, "2")
                doc = json.loads(body)
                self.assertEqual(doc["tls"]["alpn"], "h2")
                self.assertEqual(doc["version"], "HTTP/2")
                body, version = curl("--http1.1", *resolve, url)
                self.assertEqual(version, "1.1")
                self.assertEqual(json.loads(body)["tls"]["alpn"], "http/1.1")
            for query in ("alpn=http/1.1", "h2=0"):
                with self.subTest(query), \
                        http_server(f"cert={cert}&key={key}&{query}", scheme="https") as server:
                    resolve = ["--resolve", f"localhost:{server.port}:127.0.0.1", "--cacert",
                               pki.ca_cert]
                    body, version = curl("--http2", *resolve,
                                         f"https://localhost:{server.port}/")
                    self.assertEqual(version, "1.1")
                    self.assertEqual(json.loads(body)["tls"]["alpn"], "http/1.1")

    def test_h2_off_on_cleartext(self):
        with http_server("h2=0") as server:
            p = subprocess.run(["curl", "-sS", "--max-time", str(10 * SLOW),
                                "--http2-prior-knowledge", f"http://127.0.0.1:{server.port}/"],
                               capture_output=True, stdin=subprocess.DEVNULL)
            self.assertNotEqual(p.returncode, 0)  # the preface is an HTTP/1 request: 400
            body, version = curl("--http2", f"http://127.0.0.1:{server.port}/")
            self.assertEqual(version, "1.1")  # the Upgrade is ignored

    def test_controls_over_h2(self):
        with http_server() as server:
            base = f"http://127.0.0.1:{server.port}"
            body, _ = curl("--http2-prior-knowledge", "-i", "-H", "X-Echo-Set-Header: X-Test: yes",
                           f"{base}/status/418")
            head = body.decode(errors="replace").lower()
            self.assertTrue(head.startswith("http/2 418"), head[:200])
            self.assertIn("x-test: yes", head)
            body, _ = curl("--http2-prior-knowledge", f"{base}/?size=100000")
            self.assertEqual(len(body), 100000)
            body, _ = curl("--http2-prior-knowledge", "--data-binary", "raw",
                           f"{base}/?format=body")
            self.assertEqual(body, b"raw")
            start = time.monotonic()
            curl("--http2-prior-knowledge", f"{base}/?delay=300ms")
            self.assertGreaterEqual(time.monotonic() - start, 0.3)

    def test_nghttp_concurrent_streams_and_a_post_body(self):
        with http_server() as server, tempfile.NamedTemporaryFile() as data:
            data.write(b"posted-by-nghttp" * 1000)
            data.flush()
            urls = [f"http://127.0.0.1:{server.port}/s{i}?delay=200ms" for i in range(6)]
            start = time.monotonic()
            p = subprocess.run(["nghttp", "-v", "-d", data.name, *urls], capture_output=True,
                               timeout=30 * SLOW, stdin=subprocess.DEVNULL)
            took = time.monotonic() - start
            self.assertEqual(p.returncode, 0, p.stderr.decode(errors="replace")[-2000:])
            out = p.stdout.decode(errors="replace")
            # Six streams on one connection, delayed together, not one after another.
            self.assertEqual(out.count(":status: 200"), 6, out[-3000:])
            self.assertEqual(out.count("send HEADERS frame"), 6)
            self.assertLess(took, 1.1 * SLOW)
            self.assertEqual(out.count('"body_size":16000'), 6)
            self.assertEqual(out.count('"body":"posted-by-nghttpposted-by-nghttp'), 6)

    def test_h2load_short_run_without_errors(self):
        with http_server() as server:
            p = subprocess.run(["h2load", "-n", "2000", "-c", "4", "-m", "10",
                                f"http://127.0.0.1:{server.port}/load"],
                               capture_output=True, timeout=60 * SLOW, stdin=subprocess.DEVNULL)
            out = p.stdout.decode(errors="replace")
            self.assertEqual(p.returncode, 0, out[-2000:])
            self.assertIn("2000 succeeded, 0 failed, 0 errored", out, out[-2000:])
            self.assertIn("status codes: 2000 2xx", out)

    def test_uploads_past_the_bound_are_paced_by_flow_control(self):
        # 100 streams of 60 KB at once on each connection, far more than the 1 MiB
        # one connection may hold: its windows slow h2load, nothing is refused.
        with tempfile.NamedTemporaryFile() as data, http_server() as server:
            data.write(bytes(range(256)) * 235)
            data.flush()
            p = subprocess.run(["h2load", "-n", "200", "-c", "2", "-m", "100", "-d", data.name,
                                f"http://127.0.0.1:{server.port}/up"],
                               capture_output=True, timeout=60 * SLOW, stdin=subprocess.DEVNULL)
            out = p.stdout.decode(errors="replace")
            self.assertEqual(p.returncode, 0, out[-2000:])
            self.assertIn("200 succeeded, 0 failed, 0 errored", out, out[-2000:])
            # A raw client that sends its bodies as if there were no windows: each
            # stream past its window is reset with FLOW_CONTROL_ERROR (3).
            with server.connect() as raw:
                raw.settimeout(10 * SLOW)
                raw.sendall(PREFACE + frame(4, 0, 0) + frame(4, 1, 0))
                body = b""
                for s in range(1, 80, 2):
                    body += frame(1, 0x4, s, get_block("/raw")) + b"".join(
                        frame(0, 0x1 if i == 3 else 0, s, b"x" * 15000) for i in range(4))
                try:
                    raw.sendall(body)
                except OSError:
                    pass  # the session ended mid-send
                self.assertTrue(read_frames(
                    raw, lambda kind, flags, stream, payload:
                    (kind == 3 and payload[:4] == b"\x00\x00\x00\x03") or
                    (kind == 7 and payload[4:8] == b"\x00\x00\x00\x03"), timeout=10),
                    "no FLOW_CONTROL_ERROR")

    def test_a_client_that_never_reads_is_closed_while_an_honest_one_is_served(self):
        # Streams of 1 MB answers on a socket that never reads: once the buffers
        # fill, no answer moves for request_timeout and the connection is closed.
        with http_server("request_timeout=0.5") as server:
            hog = socket.socket()
            hog.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            hog.connect(("127.0.0.1", server.port))
            hog.sendall(PREFACE + frame(4, 0, 0) + b"".join(
                frame(1, 0x5, s, get_block("/?size=1000000")) for s in range(1, 40, 2)))
            start = time.monotonic()
            for i in range(10):
                body, version = curl("--http2-prior-knowledge",
                                     f"http://127.0.0.1:{server.port}/h{i}")
                self.assertEqual(json.loads(body)["path"], f"/h{i}")
            server.wait_log("(closed by application)", timeout=5)
            self.assertGreater(time.monotonic() - start, 0.45)
            hog.close()

    def test_hostile_clients_beside_an_honest_one(self):
        with http_server() as server:
            # Opens stream after stream of 100 kB answers and never reads one.
            hog = server.connect()
            hog.sendall(PREFACE + frame(4, 0, 0))
            # Resets every stream it opens, as fast as it can.
            resetter = server.connect()
            resetter.sendall(PREFACE + frame(4, 0, 0))
            stop = threading.Event()

            def hog_writes():
                stream = 1
                try:
                    while not stop.is_set() and stream < 2 * 100000:
                        batch = b"".join(frame(1, 0x5, s, get_block("/?size=100000"))
                                         for s in range(stream, stream + 200, 2))
                        hog.sendall(batch)
                        stream += 200
                except OSError:
                    pass  # the server stopped reading and the socket filled, or it closed

            hog.settimeout(5 * SLOW)
            writer = threading.Thread(target=hog_writes, daemon=True)
            writer.start()
            batch = b"".join(frame(1, 0x4, s, get_block("/?delay=1s")) +
                             frame(3, 0, s, b"\x00\x00\x00\x08") for s in range(1, 6000, 2))
            try:
                resetter.sendall(batch)
            except OSError:
                pass  # closed mid-send: what the rate limit does
            self.assertFalse(read_frames(resetter, lambda *frame: False, timeout=10),
                             "the resetter was not closed")
            server.wait_log("(closed by application)")  # not by the client: the rate limit
            latencies = []
            for i in range(20):
                start = time.monotonic()
                body, version = curl("--http2-prior-knowledge",
                                     f"http://127.0.0.1:{server.port}/honest{i}")
                latencies.append(time.monotonic() - start)
                self.assertEqual(json.loads(body)["path"], f"/honest{i}")
            stop.set()
            self.assertLess(max(latencies), 1.0 * SLOW, latencies)
            self.assertLess(sorted(latencies)[10], 0.2 * SLOW, latencies)
            wait_until(lambda: server.rss_bytes() < 256 << 20, 5, "server RSS under 256 MiB")
            hog.close()
            resetter.close()
            writer.join(timeout=10 * SLOW)


if __name__ == "__main__":
    unittest.main()
