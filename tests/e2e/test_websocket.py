"""The WebSocket echo on http:// and https:// listeners, on the real binary:
interop with python3-websockets and node's ws (ws:// and wss://), an
Autobahn-style smoke list from a raw socket (close codes 1002, 1007, 1009, bytes
after the upgrade in the same packet), hostile clients beside an honest one, the
server's 1001 at shutdown, and the metrics and log lines a session leaves."""
import asyncio
import json
import os
import select
import shutil
import socket
import ssl
import struct
import subprocess
import tempfile
import threading
import time
import unittest

from harness import SANITIZED, SLOW, Server, metric, parse_metrics, run_server, scrape, wait_until
from tls_material import Pki

try:
    import websockets
except ImportError:  # reported as skips: python3-websockets is not installed
    websockets = None

NODE_PATH = "/usr/share/nodejs"
HAVE_NODE_WS = shutil.which("node") is not None and os.path.isdir(f"{NODE_PATH}/ws")


def ws_server(query="", scheme="http", extra=()):
    """A one-loop HTTP listener (where WebSocket lives) and a metrics port."""
    url = f"{scheme}://127.0.0.1:0" + (f"?{query}" if query else "")
    return Server("--listen", url, "--threads", "1", "--metrics", "tcp://127.0.0.1:0", *extra,
                  expect_lines=2)


def run(coro, timeout=60):
    return asyncio.run(asyncio.wait_for(coro, timeout * SLOW))


def metrics(server):
    code, body = scrape(server.urls[-1])
    assert code == 200, code
    return parse_metrics(body)


# A client's side of RFC 6455, by hand, for what real clients will not send.
def client_frame(opcode, payload, fin=True, masked=True, rsv=0):
    head = bytes([(0x80 if fin else 0) | (rsv << 4) | opcode])
    n = len(payload)
    bit = 0x80 if masked else 0
    if n < 126:
        head += bytes([bit | n])
    elif n < 65536:
        head += bytes([bit | 126]) + struct.pack("!H", n)
    else:
        head += bytes([bit | 127]) + struct.pack("!Q", n)
    if not masked:
        return head + payload
    mask = os.urandom(4)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def close_frame(code, reason=b""):
    return client_frame(0x8, struct.pack("!H", code) + reason)


UPGRADE = (b"GET /raw HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
           b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
           b"Sec-WebSocket-Version: 13\r\n\r\n")


class RawClient:
    """A raw-socket WebSocket client: upgrade (with bytes after it in the same
    packet), then whole server frames."""

    def __init__(self, server, after_upgrade=b""):
        self.sock = server.connect()
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.sendall(UPGRADE + after_upgrade)
        self.buffer = b""
        while b"\r\n\r\n" not in self.buffer:
            self._more()
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 101 "), head
        assert b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" in head, head

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.sock.close()

    def _more(self):
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise EOFError(f"closed by the server; unread {self.buffer[:100]!r}")
        self.buffer += chunk

    def send(self, data):
        self.sock.sendall(data)

    def frame(self):
        """(fin, opcode, payload) of the next server frame; checks it is unmasked."""
        while len(self.buffer) < 2:
            self._more()
        b0, b1 = self.buffer[0], self.buffer[1]
        assert b1 & 0x80 == 0, "a server frame is never masked"
        assert b0 & 0x70 == 0, "no RSV bits"
        n, at = b1 & 0x7F, 2
        if n >= 126:
            size = 2 if n == 126 else 8
            while len(self.buffer) < 2 + size:
                self._more()
            n = int.from_bytes(self.buffer[2:2 + size], "big")
            at += size
        while len(self.buffer) < at + n:
            self._more()
        payload = self.buffer[at:at + n]
        self.buffer = self.buffer[at + n:]
        return bool(b0 & 0x80), b0 & 0x0F, payload

    def close_code(self):
        """The code of the server's next frame, which must be a close."""
        _, opcode, payload = self.frame()
        assert opcode == 0x8, (opcode, payload[:50])
        return struct.unpack("!H", payload[:2])[0] if payload else None

    def closed_by_server(self, timeout=10):
        self.sock.settimeout(timeout * SLOW)
        try:
            while True:
                if not self.sock.recv(65536):
                    return True
        except ConnectionResetError:
            return True
        except socket.timeout:
            return False


@unittest.skipIf(websockets is None, "python3-websockets is not installed")
class PythonWebsocketsTest(unittest.TestCase):
    def test_text_binary_fragmented_ping_close_and_subprotocol(self):
        with ws_server("ws_protocols=chat,superchat") as server:
            uri = f"ws://127.0.0.1:{server.port}/echo?x=1"
            sizes = [0, 1, 125, 126, 65535, 65536, (1 << 20) - 1, 1 << 20]

            async def session():
                async with websockets.connect(uri, subprotocols=["nope", "superchat"],
                                              max_size=None, compression=None) as ws:
                    self.assertEqual(ws.subprotocol, "superchat")
                    for n in sizes:
                        data = os.urandom(n)
                        await ws.send(data)
                        self.assertEqual(await ws.recv(), data, n)
                        text = ("é" * (n // 2))[: max(0, n // 2)]
                        await ws.send(text)
                        self.assertEqual(await ws.recv(), text, n)
                    # Fragmented sends come back as one message, reassembled.
                    await ws.send(["frag", "mented ", "ünicode"])
                    self.assertEqual(await ws.recv(), "fragmented ünicode")
                    await ws.send([b"\x00" * 70000, b"\x01" * 3])
                    self.assertEqual(await ws.recv(), b"\x00" * 70000 + b"\x01" * 3)
                    pong = await ws.ping(b"are you there")
                    await asyncio.wait_for(pong, 10 * SLOW)
                    await ws.close(code=4321, reason="bye")
                    return ws.close_code, ws.close_reason

            code, reason = run(session())
            self.assertEqual((code, reason), (4321, "bye"))
            samples = metrics(server)
            self.assertEqual(metric(samples, "echo_websocket_sessions_total"), 1)
            self.assertEqual(metric(samples, "echo_websocket_messages_total"), 2 * len(sizes) + 2)
            self.assertEqual(metric(samples, "echo_websocket_closes_total", code="other"), 1)
            server.wait_log("websocket")
            self.assertIn("/echo?x=1", server.stderr())

    def test_no_subprotocol_when_none_matches_and_controls_off_keeps_websocket(self):
        with ws_server("controls=0&ws_protocols=chat") as server:
            async def session():
                async with websockets.connect(f"ws://127.0.0.1:{server.port}/",
                                              subprotocols=["other"]) as ws:
                    self.assertIsNone(ws.subprotocol)
                    await ws.send("still echoed")
                    return await ws.recv()

            # websockets refuses a server that picks no offered subprotocol only if
            # it picks one it did not offer; none picked is the RFC's "no match".
            self.assertEqual(run(session()), "still echoed")

    def test_wss_over_an_https_listener(self):
        with tempfile.TemporaryDirectory() as d:
            pki = Pki(d)
            cert, key = pki.server("localhost")
            with ws_server(f"cert={cert}&key={key}", scheme="https") as server:
                context = ssl.create_default_context(cafile=pki.ca_cert)

                async def session():
                    async with websockets.connect(f"wss://localhost:{server.port}/secure",
                                                  ssl=context, max_size=None) as ws:
                        big = os.urandom(300_000)
                        await ws.send(big)
                        self.assertEqual(await ws.recv(), big)
                        await ws.send("over TLS")
                        return await ws.recv()

                self.assertEqual(run(session()), "over TLS")


@unittest.skipUnless(HAVE_NODE_WS, "node or Debian's node-ws is not installed")
class NodeWsTest(unittest.TestCase):
    SCRIPT = r"""
const WebSocket = require('ws');
const fs = require('fs');
const url = process.env.WS_URL;
const ca = process.env.WS_CA;
const ws = new WebSocket(url, ['chat'], ca ? {ca: fs.readFileSync(ca)} : {});
const sent = [Buffer.from('hello node'), Buffer.alloc(200000, 7), 'text é'];
const got = [];
ws.on('open', () => {
  sent.forEach((m) => ws.send(m));
  ws.send('frag', {fin: false});
  ws.send('ments', {fin: true});
});
ws.on('message', (data, isBinary) => {
  got.push({binary: isBinary, hex: Buffer.from(data).toString('hex').slice(0, 64),
            size: Buffer.from(data).length});
  if (got.length === sent.length + 1) ws.close(4000, 'node done');
});
ws.on('close', (code, reason) => {
  console.log(JSON.stringify({protocol: ws.protocol, code, reason: reason.toString(), got}));
});
ws.on('error', (e) => { console.error(String(e)); process.exit(1); });
"""

    def node(self, url, ca=None):
        p = subprocess.run(["node", "-e", self.SCRIPT], capture_output=True, text=True,
                           timeout=30 * SLOW, stdin=subprocess.DEVNULL,
                           env={**os.environ, "NODE_PATH": NODE_PATH, "WS_URL": url,
                                "WS_CA": ca or ""})
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout)

    def check(self, result):
        self.assertEqual(result["protocol"], "chat")
        self.assertEqual((result["code"], result["reason"]), (4000, "node done"))
        got = result["got"]
        self.assertEqual([g["binary"] for g in got], [True, True, False, False])
        self.assertEqual(got[0]["hex"], b"hello node".hex())
        self.assertEqual(got[1]["size"], 200000)
        self.assertEqual(got[1]["hex"], "07" * 32)
        self.assertEqual(got[2]["hex"], "text é".encode().hex())
        self.assertEqual(got[3]["hex"], b"fragments".hex())

    def test_node_ws_over_ws_and_wss(self):
        with ws_server("ws_protocols=chat") as server:
            self.check(self.node(f"ws://127.0.0.1:{server.port}/node"))
        with tempfile.TemporaryDirectory() as d:
            pki = Pki(d)
            cert, key = pki.server("localhost")
            with ws_server(f"cert={cert}&key={key}&ws_protocols=chat", scheme="https") as server:
                self.check(self.node(f"wss://localhost:{server.port}/node", pki.ca_cert))


class RawSocketCasesTest(unittest.TestCase):
    """What well-behaved libraries never send, and the close code each gets."""

    def test_bytes_after_the_upgrade_in_the_same_packet_are_echoed(self):
        with ws_server() as server:
            first = client_frame(0x1, b"in the same packet") + client_frame(0x9, b"p")
            with RawClient(server, after_upgrade=first) as c:
                self.assertEqual(c.frame(), (True, 0x1, b"in the same packet"))
                self.assertEqual(c.frame(), (True, 0xA, b"p"))
                c.send(close_frame(1000))
                self.assertEqual(c.close_code(), 1000)
                self.assertTrue(c.closed_by_server())

    def test_protocol_errors_get_the_rfc_close_codes(self):
        cases = [
            ("unmasked frame", client_frame(0x1, b"x", masked=False), 1002, "unmasked"),
            ("reserved bits", client_frame(0x2, b"x", rsv=4), 1002, "reserved_bits"),
            ("reserved opcode", client_frame(0x3, b"x"), 1002, "reserved_opcode"),
            ("invalid UTF-8 split across fragments",
             client_frame(0x1, b"ok \xf4", fin=False) + client_frame(0x0, b"\x90\x80\x80"), 1007,
             "invalid_utf8"),
            ("oversized message", client_frame(0x2, b"z" * 2000), 1009, "message_too_big"),
            # The head alone (2 + 2 + 4 bytes): refused from its length field, with
            # none of its payload sent.
            ("oversized frame's head", client_frame(0x2, b"z" * 2000)[:8], 1009, "message_too_big"),
            ("oversized fragmented message",
             client_frame(0x2, b"z" * 1000, fin=False) + client_frame(0x0, b"z" * 1000), 1009,
             "message_too_big"),
            ("bad close code", close_frame(1005), 1002, "close_code"),
            ("control frame over 125 bytes", client_frame(0x9, b"p" * 126), 1002, "framing"),
        ]
        with ws_server("ws_max_message=1KiB") as server:
            for name, data, code, reason in cases:
                with self.subTest(name), RawClient(server) as c:
                    c.send(data)
                    self.assertEqual(c.close_code(), code)
                    c.send(close_frame(code))
                    self.assertTrue(c.closed_by_server())
            samples = metrics(server)
            for _, _, code, reason in cases:
                self.assertGreaterEqual(
                    metric(samples, "echo_websocket_failures_total", reason=reason), 1, reason)
            self.assertEqual(metric(samples, "echo_websocket_closes_total", code="1002"), 5)
            self.assertEqual(metric(samples, "echo_websocket_closes_total", code="1007"), 1)
            self.assertEqual(metric(samples, "echo_websocket_closes_total", code="1009"), 3)

    def test_frames_echo_frame_for_frame_with_ws_frames(self):
        with ws_server("ws_frames=1") as server, RawClient(server) as c:
            c.send(client_frame(0x1, b"one ", fin=False) + client_frame(0x9, b"ping") +
                   client_frame(0x0, b"two", fin=True))
            self.assertEqual(c.frame(), (False, 0x1, b"one "))
            self.assertEqual(c.frame(), (True, 0xA, b"ping"))
            self.assertEqual(c.frame(), (True, 0x0, b"two"))

    def test_a_bad_ws_key_value_exits_2_naming_the_url(self):
        for url, why in [("http://127.0.0.1:0?ws_max_message=65MiB", "ws_max_message"),
                         ("http://127.0.0.1:0?ws_protocols=a/b", "ws_protocols"),
                         ("http://127.0.0.1:0?ws_frames=yes", "ws_frames")]:
            code, _, err = run_server("--listen", url)
            self.assertEqual(code, 2, err)
            self.assertIn(url, err)
            self.assertIn(why, err)

    def test_bad_upgrades_get_400_or_426(self):
        with ws_server() as server:
            for request, status, header in [
                    (UPGRADE.replace(b"Version: 13", b"Version: 8"), b"426", b"Sec-WebSocket-Version: 13"),
                    (UPGRADE.replace(b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", b""), b"400",
                     b"Connection: close")]:
                s = server.connect()
                s.sendall(request)
                data = b""
                s.settimeout(10 * SLOW)
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                s.close()
                self.assertTrue(data.startswith(b"HTTP/1.1 " + status), data)
                self.assertIn(header, data)
            samples = metrics(server)
            self.assertEqual(metric(samples, "echo_websocket_upgrades_refused_total"), 2)

    def test_a_peer_that_never_answers_our_close_is_dropped(self):
        with ws_server() as server, RawClient(server) as c:
            c.send(client_frame(0x1, b"x", masked=False))
            self.assertEqual(c.close_code(), 1002)
            start = time.monotonic()
            self.assertTrue(c.closed_by_server(timeout=10))
            self.assertGreater(time.monotonic() - start, 4)
            samples = metrics(server)
            self.assertEqual(metric(samples, "echo_websocket_failures_total", reason="unmasked"), 1)

    def test_shutdown_says_going_away(self):
        with ws_server() as server, RawClient(server) as c:
            c.send(client_frame(0x1, b"before"))
            self.assertEqual(c.frame(), (True, 0x1, b"before"))
            server.signal()
            self.assertEqual(c.close_code(), 1001)
            c.send(close_frame(1001))
            self.assertTrue(c.closed_by_server())
            self.assertEqual(server.wait_exit(), 0)


class HostilePeersTest(unittest.TestCase):
    """One hostile client beside an honest one: the honest one's round trips stay
    fast, and the server's memory stays bounded."""

    def assert_rss_bounded(self, server, before):
        # ASan keeps freed memory in its quarantine, so RSS there grows with the
        # bytes that went through, not with what is held: checked in release only.
        if not SANITIZED:
            self.assertLess(server.rss_bytes() - before, 8 << 20)

    def honest_round_trips(self, server, count=200):
        """The slowest of `count` round trips of a small message, in seconds."""
        with RawClient(server) as c:
            worst = 0.0
            for i in range(count):
                msg = b"honest %d" % i
                start = time.monotonic()
                c.send(client_frame(0x2, msg))
                self.assertEqual(c.frame(), (True, 0x2, msg))
                worst = max(worst, time.monotonic() - start)
            return worst

    def push_until_blocked(self, hog, frame):
        """Sends `frame` over and over, never reading, until the server stops reading
        (our send buffer stays full), drops us, or 64 MiB went; returns the bytes sent."""
        hog.sock.setblocking(False)
        pushed = 0
        deadline = time.monotonic() + 10 * SLOW
        while pushed < (64 << 20) and time.monotonic() < deadline:
            _, writable, _ = select.select([], [hog.sock], [], 0.5 * SLOW)
            if not writable:
                break
            try:
                pushed += hog.sock.send(frame[pushed % len(frame):])
            except BlockingIOError:
                pass
            except (BrokenPipeError, ConnectionResetError):
                break  # dropped: the caller checks why
        return pushed

    def test_slow_fragmented_message_byte_by_byte(self):
        with ws_server() as server, RawClient(server) as slow:
            rss_before = server.rss_bytes()
            message = client_frame(0x2, b"s" * ((1 << 20) - 1), fin=True)
            stop = threading.Event()
            sent = [0]

            def trickle():
                # One byte per send; TCP_NODELAY makes each its own segment.
                deadline = time.monotonic() + 3 * SLOW
                for i in range(len(message)):
                    if stop.is_set() or time.monotonic() > deadline:
                        break
                    slow.sock.send(message[i:i + 1])
                    sent[0] = i + 1

            t = threading.Thread(target=trickle)
            t.start()
            try:
                wait_until(lambda: sent[0] > 1000, 10, "the slow client under way")
                worst = self.honest_round_trips(server)
            finally:
                stop.set()
                t.join()
            self.assertLess(worst, 0.25 * SLOW)
            # Whatever the trickle reached, the session holds at most that message.
            self.assert_rss_bounded(server, rss_before)

    def test_client_that_never_reads_its_echoes(self):
        with ws_server() as server, RawClient(server) as hog:
            rss_before = server.rss_bytes()
            pushed = self.push_until_blocked(hog, client_frame(0x2, os.urandom(60000)))
            self.assertLess(pushed, 64 << 20, "the server kept reading from a client that never reads")
            worst = self.honest_round_trips(server)
            self.assertLess(worst, 0.25 * SLOW)
            self.assert_rss_bounded(server, rss_before)

    def test_a_client_that_never_reads_is_closed_after_request_timeout(self):
        # 1 MiB messages to a socket that never reads: once the buffers fill, no
        # echo byte moves for request_timeout and the server drops the connection
        # (no close handshake: the peer would not read it), while an honest client
        # is served.
        with ws_server("request_timeout=1") as server, RawClient(server) as hog:
            hog.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            pushed = self.push_until_blocked(hog, client_frame(0x2, os.urandom((1 << 20) - 16)))
            self.assertGreater(pushed, 1 << 20)
            worst = self.honest_round_trips(server)
            self.assertLess(worst, 0.25 * SLOW)
            wait_until(lambda: metric(metrics(server), "echo_websocket_failures_total",
                                      reason="send_timeout") == 1,
                       5 * SLOW, "the reader-less client dropped")
            hog.sock.setblocking(True)
            self.assertTrue(hog.closed_by_server(timeout=5))


if __name__ == "__main__":
    unittest.main()
