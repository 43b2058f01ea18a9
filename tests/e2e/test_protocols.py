"""Transports: several --listen URLs at once, UDP (RFC 862) with reflection
safety, Unix sockets at a path and in the abstract namespace, IPv6 dual-stack."""
import os
import socket
import stat
import tempfile
import unittest

from harness import Server, echo_while_sending, run_bench, run_server, wait_until

SHORT = ["--duration", "1", "--warmup", "0.2", "--drain", "3"]


def udp_exchange(family, address, payload, timeout=10):
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(payload, address)
        data, peer = s.recvfrom(70000)
        return data


def unix_connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    return s


class ListenersTest(unittest.TestCase):
    def test_every_transport_at_once(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "echo.sock")
            abstract = f"echo-test-{os.getpid()}"
            with Server("--listen", "tcp://127.0.0.1:0", "--listen", "udp://127.0.0.1:0",
                        "--listen", f"unix:{path}", "--listen", f"unix:@{abstract}",
                        "--threads", "2", expect_lines=4) as server:
                tcp, udp, unix, abst = server.urls
                self.assertRegex(tcp, r"^tcp://127\.0\.0\.1:\d+$")
                self.assertRegex(udp, r"^udp://127\.0\.0\.1:\d+$")
                self.assertEqual(unix, f"unix:{path}")
                self.assertEqual(abst, f"unix:@{abstract}")
                with server.connect() as s:
                    self.assertEqual(echo_while_sending(s, b"tcp"), b"tcp")
                udp_port = int(udp.rsplit(":", 1)[1])
                self.assertEqual(udp_exchange(socket.AF_INET, ("127.0.0.1", udp_port), b"udp"),
                                 b"udp")
                with unix_connect(path) as s:
                    self.assertEqual(echo_while_sending(s, b"unix"), b"unix")
                with unix_connect("\0" + abstract) as s:
                    self.assertEqual(echo_while_sending(s, b"abstract"), b"abstract")
                server.wait_log(f"connected by pid {os.getpid()} uid {os.getuid()}")
            self.assertFalse(os.path.exists(path), "the socket file is removed on exit")

    def test_ipv6_any_is_dual_stack_unless_ipv6only(self):
        with Server("--listen", "tcp://[::]:0") as server:
            with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
                self.assertEqual(echo_while_sending(s, b"v4"), b"v4")
        with Server("--listen", "tcp://[::]:0?ipv6only=1") as server:
            with self.assertRaises(ConnectionRefusedError):
                socket.create_connection(("127.0.0.1", server.port), timeout=10)
            with socket.create_connection(("::1", server.port), timeout=10) as s:
                self.assertEqual(echo_while_sending(s, b"v6"), b"v6")

    def test_bad_listen_urls_exit_2_naming_the_url(self):
        for args, fragment in [
            (["--listen", "gopher://x:1"], "--listen 'gopher://x:1': unknown scheme"),
            (["--listen", "tcp://x:1?mode=0600"], "unknown option 'mode'"),
            (["--listen", "tcp://127.0.0.1:0", "--listen", "tcp://127.0.0.1:0"], "duplicate"),
            (["--listen", "tcp://127.0.0.1:0", "--port", "0"], "--listen replaces --host/--port"),
        ]:
            code, out, err = run_server(*args)
            self.assertEqual(code, 2, err)
            self.assertIn(fragment, err)
            self.assertEqual(out, "")


class UdpTest(unittest.TestCase):
    def test_each_datagram_comes_back_whole(self):
        with Server("--listen", "udp://127.0.0.1:0", "--listen", "udp://[::1]:0",
                    expect_lines=2) as server:
            v4 = int(server.urls[0].rsplit(":", 1)[1])
            v6 = int(server.urls[1].rsplit(":", 1)[1])
            for size in (0, 1, 1000, 65507):
                payload = os.urandom(size)
                self.assertEqual(udp_exchange(socket.AF_INET, ("127.0.0.1", v4), payload),
                                 payload, size)
            payload = os.urandom(65527)
            self.assertEqual(udp_exchange(socket.AF_INET6, ("::1", v6), payload), payload)

    def test_denied_source_ports_get_no_answer(self):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as denied:
            denied.bind(("127.0.0.1", 0))
            port = denied.getsockname()[1]
            # One thread: one server socket, so the order below is the order judged.
            with Server("--listen", "udp://127.0.0.1:0", "--threads", "1", "--udp-deny-ports",
                        f"5353,{port}") as server:
                target = ("127.0.0.1", server.port)
                denied.sendto(b"loop?", target)
                # Same server socket, sent after: once its echo is back, the first
                # datagram has been judged.
                self.assertEqual(udp_exchange(socket.AF_INET, target, b"fine"), b"fine")
                denied.setblocking(False)
                with self.assertRaises(BlockingIOError):
                    denied.recv(100)
        self.assertIn("dropped 0 from port 0, 1 from denied ports", server.stderr())

    @unittest.skipUnless(os.geteuid() == 0, "binding source port 7 needs root")
    def test_echo_port_7_is_never_answered(self):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as echo_port:
            echo_port.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            echo_port.bind(("127.0.0.1", 7))
            with Server("--listen", "udp://127.0.0.1:0", "--threads", "1") as server:
                echo_port.sendto(b"ping-pong", ("127.0.0.1", server.port))
                self.assertEqual(udp_exchange(socket.AF_INET, ("127.0.0.1", server.port), b"x"),
                                 b"x")
                echo_port.setblocking(False)
                with self.assertRaises(BlockingIOError):
                    echo_port.recv(100)

    def test_rate_limit_per_source(self):
        with Server("--listen", "udp://127.0.0.1:0", "--udp-rate-limit", "1",
                    "--udp-burst", "5") as server:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                for i in range(20):
                    s.sendto(b"%d" % i, ("127.0.0.1", server.port))
                got = []
                s.settimeout(10)
                for _ in range(5):
                    got.append(s.recv(100))
                self.assertEqual(got, [b"0", b"1", b"2", b"3", b"4"])
        self.assertRegex(server.stderr(), r"1[45] over the rate limit")

    def test_echo_bench_over_udp(self):
        with Server("--listen", "udp://127.0.0.1:0", "--log-level", "warn") as server:
            code, report, err = run_bench(f"udp://127.0.0.1:{server.port}", *SHORT,
                                          "--conns", "8", "--pipeline", "4",
                                          "--size", "16,64,1400")
        self.assertEqual(code, 0, f"{report} {err}")
        self.assertGreater(report["messages"], 0)
        self.assertEqual(report["reordered"], 0)


class UnixTest(unittest.TestCase):
    def test_stale_socket_file_is_replaced_and_mode_applied(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "stale.sock")
            with socket.socket(socket.AF_UNIX) as old:
                old.bind(path)  # bound, never listening, closed: a stale file
            with Server("--listen", f"unix:{path}?mode=0600") as server:
                self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
                with unix_connect(path) as s:
                    self.assertEqual(echo_while_sending(s, b"x" * 100000), b"x" * 100000)

    def test_live_socket_or_other_file_is_not_touched(self):
        with tempfile.TemporaryDirectory() as d:
            live = os.path.join(d, "live.sock")
            with socket.socket(socket.AF_UNIX) as other:
                other.bind(live)
                other.listen()
                code, out, err = run_server("--listen", f"unix:{live}")
                self.assertEqual(code, 1, err)
                self.assertIn(f"unix:{live}: another process accepts connections on it", err)
            regular = os.path.join(d, "file")
            open(regular, "w").close()
            code, _, err = run_server("--listen", f"unix:{regular}")
            self.assertEqual(code, 1)
            self.assertIn("exists and is not a socket", err)
            self.assertTrue(os.path.isfile(regular))

    def test_echo_bench_over_unix(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "bench.sock")
            with Server("--listen", f"unix:{path}", "--log-level", "warn") as server:
                code, report, err = run_bench(f"unix:{path}", *SHORT, "--conns", "20",
                                              "--size", "64,16384")
        self.assertEqual(code, 0, f"{report} {err}")
        self.assertGreater(report["messages"], 0)


if __name__ == "__main__":
    unittest.main()
