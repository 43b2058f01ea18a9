"""echo-bench over ws://, wss://, http:// and https:// against outside peers it did
not write: python3-websockets and node's `ws` echo servers, an aiohttp body echo and
nginx `return 200` (bench/peers/ and a config made here); and broken peers (a flipped
byte, a dropped message, a wrong body, a 500, a Connection: close) that echo-bench
must report as errors of the right kind. Every run is bounded in time."""
import os
import shutil
import socket
import subprocess
import tempfile
import textwrap
import unittest

from harness import SLOW, run_bench, wait_until
from test_echo_bench_tls import Terminator
from tls_material import Pki

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PEERS = os.path.join(ROOT, "bench", "peers")
SYS_PY = "/usr/bin/python3"  # Debian's, with python3-websockets and python3-aiohttp
NODE = shutil.which("node") or shutil.which("nodejs")
NGINX = shutil.which("nginx") or shutil.which("/usr/sbin/nginx")
NODE_ENV = dict(os.environ, NODE_PATH="/usr/share/nodejs")
SHORT = ["--duration", "0.5", "--warmup", "0.1", "--drain", "3"]


def module_available(module):
    return subprocess.run([SYS_PY, "-c", f"import {module}"], capture_output=True).returncode == 0


def node_ws_available():
    return NODE is not None and subprocess.run(
        [NODE, "-e", "require('ws')"], env=NODE_ENV, capture_output=True).returncode == 0


HAVE_WEBSOCKETS = module_available("websockets")
HAVE_AIOHTTP = module_available("aiohttp")


class Peer(Terminator):
    """An outside server that prints "port N" once listening; its output (kept in a
    file by Terminator) is read for the port and for what it logged."""

    def __init__(self, argv, env=None):
        super().__init__(argv, env=env)
        self.port = int(wait_until(self._port, 20, f"{argv} to print its port"))

    def _port(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"peer exited {self.proc.returncode}: {self.output()}")
        # Only whole lines: the peer's "port N" may be read while half written.
        for line in self.output().splitlines(keepends=True):
            if line.startswith("port ") and line.endswith("\n"):
                return line.split()[1]
        return None


def script(directory, name, body):
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        f.write(textwrap.dedent(body))
    return path


# A websockets echo that breaks message `BAD` of each connection: "flip" XORs its
# last byte, "drop" never sends it back.
BROKEN_WS = """
    import asyncio, sys, websockets
    MODE, BAD = sys.argv[1], 3
    async def echo(ws, path=None):
        count = 0
        async for m in ws:
            count += 1
            if count == BAD and MODE == "drop":
                continue
            if count == BAD and MODE == "flip":
                m = m[:-1] + bytes([m[-1] ^ 1])
            await ws.send(m)
    async def main():
        async with websockets.serve(echo, "127.0.0.1", 0, max_size=None) as s:
            print("port", s.sockets[0].getsockname()[1], flush=True)
            await asyncio.Future()
    asyncio.run(main())
"""

# An aiohttp body echo with faults by path: /flip XORs one byte of the 5th body of the
# run, /fail answers 500 from the 5th request on, /close adds Connection: close to
# the 5th response.
BROKEN_HTTP = """
    import asyncio, socket
    from aiohttp import web
    seen = {"n": 0}
    async def handle(request):
        body = bytearray(await request.read())
        seen["n"] += 1
        fault = seen["n"] == 5
        if request.path == "/flip" and fault:
            body[len(body) // 2] ^= 0x20
        if request.path == "/fail" and seen["n"] >= 5:
            return web.Response(status=500, body=b"no")
        headers = {"Connection": "close"} if request.path == "/close" and fault else {}
        return web.Response(body=bytes(body), headers=headers)
    async def main():
        app = web.Application(client_max_size=1 << 24)
        app.router.add_route("*", "/{tail:.*}", handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        await web.SockSite(runner, sock).start()
        print("port", sock.getsockname()[1], flush=True)
        await asyncio.Future()
    asyncio.run(main())
"""


def nginx_return_200(directory):
    """nginx answering every request with `return 200` and a small fixed body, from a
    config in `directory`, on a free port: a port is picked (bound to 0 and released)
    and nginx tried on it; if something took the port meanwhile, nginx exits and the
    next one is tried. Returns (Popen, port)."""
    for _ in range(5):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        config = os.path.join(directory, "nginx.conf")
        with open(config, "w") as f:
            f.write(f"""daemon off;
master_process off;
worker_processes 1;
pid {directory}/nginx.pid;
error_log {directory}/error.log notice;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {directory}/body;
  proxy_temp_path {directory}/proxy;
  fastcgi_temp_path {directory}/fastcgi;
  uwsgi_temp_path {directory}/uwsgi;
  scgi_temp_path {directory}/scgi;
  keepalive_requests 1000000000;
  keepalive_timeout 300s;
  server {{
    listen 127.0.0.1:{port};
    location / {{ return 200 "echo-bench ceiling\\n"; }}
  }}
}}
""")
        proc = subprocess.Popen(["nginx", "-p", directory, "-e", f"{directory}/error.log",
                                 "-c", config], stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def up():
            if proc.poll() is not None:
                return "exited"
            with socket.socket() as c:
                return "up" if c.connect_ex(("127.0.0.1", port)) == 0 else None
        if wait_until(up, 10, "nginx to listen") == "up":
            return proc, port
    raise AssertionError("nginx found no free port in 5 tries: " +
                         open(f"{directory}/error.log").read()[-2000:])


class BenchCase(unittest.TestCase):
    def bench(self, url, *args, peer=None):
        code, report, err = run_bench(url, *SHORT, *args)
        context = (f"exit {code}, stderr {err!r}, report {report}, "
                   f"peer: {peer.output()[-2000:] if peer else ''}")
        return code, report, err, context

    def assert_clean(self, code, report, context):
        self.assertEqual(code, 0, context)
        self.assertEqual(report["errors"]["total"], 0, context)
        self.assertGreater(report["messages"], 10, context)

    def peer(self, argv, env=None):
        p = Peer(argv, env)
        self.addCleanup(p.stop)
        return p


@unittest.skipUnless(HAVE_WEBSOCKETS, "python3-websockets is not installed (scripts/install-deps)")
class WebSocketPeersTest(BenchCase):
    def check_echo_peer(self, peer):
        for extra in ([], ["--ws-text"]):
            with self.subTest(extra=extra):
                code, report, _, context = self.bench(
                    f"ws://127.0.0.1:{peer.port}/echo", "--conns", "4", "--pipeline", "4",
                    "--size", "64,1000,70000", *extra, peer=peer)
                self.assert_clean(code, report, context)
                self.assertEqual(report["application"], "ws", context)
                self.assertGreater(report["verified_bytes"], 70000, context)
                # The close handshake: every connection's close answered.
                self.assertEqual(report["ws_clean_closes"], 4, context)
        # The peer saw each close with its code, 1000, by the time its connection ended.
        wait_until(lambda: peer.output().count("close ") == 8, 10,
                   f"the peer to log 8 closes: {peer.output()}")
        self.assertEqual(peer.output().count("close 1000"), 8, peer.output())

    def test_python_websockets_echo(self):
        self.check_echo_peer(self.peer([SYS_PY, os.path.join(PEERS, "ws_echo.py")]))

    @unittest.skipUnless(node_ws_available(), "node with Debian's node-ws is not installed")
    def test_node_ws_echo(self):
        self.check_echo_peer(self.peer([NODE, os.path.join(PEERS, "ws_echo.js")], NODE_ENV))

    def test_wss_against_a_tls_websockets_peer(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        pki = Pki(os.path.join(tmp.name, "pki"))
        cert, key = pki.server("localhost")
        peer = self.peer([SYS_PY, os.path.join(PEERS, "ws_echo.py"), "--cert", cert, "--key", key])
        code, report, _, context = self.bench(
            f"wss://localhost:{peer.port}/", "--ca", pki.ca_cert, "--conns", "2",
            "--size", "64,20000", peer=peer)
        self.assert_clean(code, report, context)
        self.assertTrue(report["tls"]["version"].startswith("TLSv1."), context)
        self.assertEqual(report["ws_clean_closes"], 2, context)
        # The same peer under another CA: every handshake fails, said in one line.
        other = Pki(os.path.join(tmp.name, "other"), name="other-ca").ca_cert
        code, report, err, context = self.bench(f"wss://localhost:{peer.port}/", "--ca", other)
        self.assertEqual(code, 1, context)
        self.assertIn("certificate verify failed", err, context)

    def test_broken_peers_are_reported(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        path = script(tmp.name, "broken_ws.py", BROKEN_WS)
        flip = self.peer([SYS_PY, path, "flip"])
        code, report, _, context = self.bench(f"ws://127.0.0.1:{flip.port}/", "--size", "100",
                                              peer=flip)
        self.assertEqual(code, 1, context)
        self.assertEqual(report["errors"]["mismatch"], 1, context)
        self.assertIn("message 2 (100 bytes) at byte 99", report["first_error"], context)
        # Four in flight, so message 3 comes back where message 2 was owed (with one in
        # flight, message 2 would stay unanswered: an error too, but a slower one).
        drop = self.peer([SYS_PY, path, "drop"])
        code, report, _, context = self.bench(f"ws://127.0.0.1:{drop.port}/", "--size", "100",
                                              "--pipeline", "4", peer=drop)
        self.assertEqual(code, 1, context)
        self.assertEqual(report["errors"]["mismatch"], 1, context)
        self.assertIn("message 2 (100 bytes) at byte", report["first_error"], context)

    @unittest.skipUnless(HAVE_AIOHTTP, "python3-aiohttp is not installed")
    def test_a_refused_upgrade_is_a_setup_error(self):
        http = self.peer([SYS_PY, os.path.join(PEERS, "http_echo_aiohttp.py")])
        code, report, err, context = self.bench(f"ws://127.0.0.1:{http.port}/", peer=http)
        self.assertEqual(code, 1, context)
        self.assertIsNone(report, context)
        self.assertIn("WebSocket upgrade answered with status 200 (101 expected)", err, context)


@unittest.skipUnless(HAVE_AIOHTTP, "python3-aiohttp is not installed (scripts/install-deps)")
class HttpPeersTest(BenchCase):
    def test_aiohttp_body_echo_verified(self):
        peer = self.peer([SYS_PY, os.path.join(PEERS, "http_echo_aiohttp.py")])
        code, report, _, context = self.bench(
            f"http://127.0.0.1:{peer.port}", "--conns", "4", "--pipeline", "8",
            "--size", "64,1000,70000", peer=peer)
        self.assert_clean(code, report, context)
        self.assertEqual(report["application"], "http", context)
        self.assertEqual(report["http_verify"], "body", context)
        self.assertGreater(report["verified_bytes"], 70000, context)

    def test_json_echo_needs_status_only(self):
        peer = self.peer([SYS_PY, os.path.join(PEERS, "http_echo_aiohttp.py")])
        url = f"http://127.0.0.1:{peer.port}/json"
        code, report, _, context = self.bench(url, "--http-verify", "status", peer=peer)
        self.assert_clean(code, report, context)
        self.assertEqual(report["verified_bytes"], 0, context)
        # A JSON answer is not the body sent: with body checks, a mismatch.
        code, report, _, context = self.bench(url, peer=peer)
        self.assertEqual(code, 1, context)
        self.assertEqual(report["errors"]["mismatch"], 1, context)
        self.assertIn("HTTP: a body of", report["first_error"], context)

    def test_broken_peers_are_reported(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        path = script(tmp.name, "broken_http.py", BROKEN_HTTP)
        for fault, kind, words in (("flip", "mismatch", "mismatch in connection 0 message 4"),
                                   ("fail", "status", "HTTP status 500"),
                                   ("close", "early_close", "Connection: close")):
            with self.subTest(fault=fault):
                peer = self.peer([SYS_PY, path])
                code, report, _, context = self.bench(
                    f"http://127.0.0.1:{peer.port}/{fault}", "--size", "200", peer=peer)
                self.assertEqual(code, 1, context)
                self.assertEqual(report["errors"][kind], 1, context)
                self.assertEqual(report["errors"]["total"], 1, context)
                self.assertIn(words, report["first_error"], context)

    @unittest.skipUnless(NGINX, "nginx is not installed (scripts/install-deps installs it)")
    def test_nginx_return_200_status_only(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        proc, port = nginx_return_200(tmp.name)

        def stop():
            proc.terminate()
            proc.wait(timeout=10 * SLOW)
        self.addCleanup(stop)
        code, report, _, context = self.bench(
            f"http://127.0.0.1:{port}/", "--http-verify", "status", "--conns", "4",
            "--pipeline", "4", "--size", "64,4000")
        self.assert_clean(code, report, context)
        code, report, _, context = self.bench(f"http://127.0.0.1:{port}/")
        self.assertEqual(code, 1, context)
        self.assertEqual(report["errors"]["mismatch"], 1, context)


if __name__ == "__main__":
    unittest.main()
