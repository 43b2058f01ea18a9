"""Start and stop: graceful drain on SIGTERM/SIGINT, the second signal, and one
clear line and a non-zero exit for every kind of bad input."""
import os
import pwd
import select
import signal
import socket
import threading
import time
import unittest

from harness import SLOW, Server, run_server, wait_until

MiB = 1 << 20


def refuses(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return False
    except ConnectionRefusedError:
        return True
    except ConnectionResetError:
        return False  # queued as the listener closed: the kernel resets it; try again


class GracefulStopTest(unittest.TestCase):
    def test_sigterm_lets_a_transfer_in_flight_finish(self):
        payload = os.urandom(8 * MiB)
        server = Server("--port", "0", "--threads", "1")
        with server.connect() as s:
            got = bytearray()

            def sender():
                for at in range(0, len(payload), 64 * 1024):
                    s.sendall(payload[at:at + 64 * 1024])
                    if at == MiB:
                        signal_sent.wait(10)
                s.shutdown(socket.SHUT_WR)

            signal_sent = threading.Event()
            t = threading.Thread(target=sender)
            t.start()
            while len(got) < MiB:
                got += s.recv(MiB)
            server.signal(signal.SIGTERM)
            wait_until(lambda: refuses(server.port), 5, "new connections refused")
            signal_sent.set()
            while data := s.recv(MiB):
                got += data
            t.join()
        self.assertEqual(bytes(got), payload)
        self.assertEqual(server.wait_exit(timeout=5), 0)
        self.assertIn("SIGTERM: no longer accepting", server.stderr())
        server.stop()

    def connected_idle(self, server):
        """A client the server has certainly accepted, then left idle."""
        idle = server.connect()
        idle.sendall(b"x")
        self.assertEqual(idle.recv(1), b"x")
        return idle

    def test_drain_timeout_cuts_idle_connections(self):
        server = Server("--port", "0", "--drain-timeout", "0.5")
        with self.connected_idle(server) as idle:
            started = time.monotonic()
            server.signal(signal.SIGINT)
            self.assertEqual(server.wait_exit(timeout=5), 0)
            took = time.monotonic() - started
            self.assertGreaterEqual(took, 0.4)
            self.assertLess(took, 0.5 + 1.0 * SLOW, "the drain ran past its timeout")
            self.assertEqual(idle.recv(1), b"", "the server closed the idle client")
        self.assertIn("drain timeout", server.stderr())
        server.stop()

    def test_drain_timeout_ends_a_connection_the_server_stopped_reading(self):
        """A request held by ?delay= and pipelined ones behind it that the client never
        reads: when the drain timeout closes it, the server neither receives nor sends
        on it (io_uring then has nothing in flight whose completion would wake it)."""
        server = Server("--listen", "http://127.0.0.1:0", "--threads", "1",
                        "--drain-timeout", "0.5")
        with server.connect() as s:
            s.sendall(b"GET /?delay=10s HTTP/1.1\r\nHost: x\r\n\r\n")
            s.setblocking(False)
            pipelined = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" * 256
            deadline = time.monotonic() + 10 * SLOW
            while select.select([], [s], [], 0.5 * SLOW)[1]:  # until it stops reading
                self.assertLess(time.monotonic(), deadline, "the server kept reading")
                try:
                    s.send(pipelined)
                except BlockingIOError:
                    pass
            started = time.monotonic()
            server.signal(signal.SIGTERM)
            self.assertEqual(server.wait_exit(timeout=5), 0)
            self.assertLess(time.monotonic() - started, 0.5 + 1.0 * SLOW,
                            "the drain ran past its timeout")
        self.assertIn("drain timeout: closing 1 connections", server.stderr())
        server.stop()

    def test_second_signal_exits_at_once(self):
        server = Server("--port", "0", "--drain-timeout", "60")
        with self.connected_idle(server):
            server.signal(signal.SIGTERM)
            server.wait_log("SIGTERM: no longer accepting")
            server.signal(signal.SIGTERM)
            self.assertEqual(server.wait_exit(timeout=5), 128 + signal.SIGTERM)
        server.stop()


class BadInputTest(unittest.TestCase):
    def assert_usage_error(self, args, *fragments):
        code, out, err = run_server(*args)
        self.assertEqual(code, 2, err)
        self.assertEqual(out, "")
        self.assertTrue(err.startswith("echo-server: "), err)
        self.assertIn("Try 'echo-server --help'", err)
        for f in fragments:
            self.assertIn(f, err)

    def assert_setup_error(self, args, *fragments, user_prefix=()):
        code, out, err = run_server(*args, user_prefix=user_prefix)
        self.assertEqual(code, 1, err)
        self.assertEqual(out, "", "nothing may be announced when setup fails")
        lines = err.strip().splitlines()
        self.assertEqual(len(lines), 1, err)
        self.assertTrue(lines[0].startswith("echo-server: "), err)
        for f in fragments:
            self.assertIn(f, lines[0])

    def test_unknown_flag(self):
        self.assert_usage_error(["--bogus"], "--bogus")

    def test_malformed_port(self):
        self.assert_usage_error(["--port", "http"], "--port")

    def test_port_out_of_range(self):
        self.assert_usage_error(["--port", "65536"], "--port", "65536")

    def test_port_in_use_by_another_program(self):
        with socket.socket() as holder:
            holder.bind(("127.0.0.1", 0))
            holder.listen()
            port = holder.getsockname()[1]
            self.assert_setup_error(["--port", str(port)], f"127.0.0.1:{port}",
                                    "address already in use", "--port 0")

    def test_second_echo_server_on_the_same_port_fails(self):
        with Server("--port", "0") as first:
            self.assert_setup_error(["--port", str(first.port)], f"127.0.0.1:{first.port}",
                                    "address already in use", "--port 0")
            # Every connection still reaches the first server.
            for i in range(20):
                with first.connect() as s:
                    s.sendall(b"%d" % i)
                    self.assertEqual(s.recv(16), b"%d" % i)
            wait_until(lambda: first.stderr().count("closed by peer") == 20, 10,
                       "the first server to see all 20 connections")

    def test_privileged_port_without_privilege(self):
        with open("/proc/sys/net/ipv4/ip_unprivileged_port_start") as f:
            if int(f.read()) <= 7:
                self.skipTest("this kernel lets anyone bind port 7")
        nobody = pwd.getpwnam("nobody")
        as_nobody = ["setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}",
                     "--clear-groups", "--inh-caps=-all", "--bounding-set=-all"]
        self.assert_setup_error(["--port", "7"], "127.0.0.1:7", "permission denied",
                                "root or CAP_NET_BIND_SERVICE", user_prefix=as_nobody)

    def test_unresolvable_host(self):
        self.assert_setup_error(["--host", "no-such-host.invalid", "--port", "0"],
                                "resolve host 'no-such-host.invalid'")

    def test_address_not_on_this_machine(self):
        self.assert_setup_error(["--host", "192.0.2.1", "--port", "0"], "192.0.2.1:0",
                                "cannot assign requested address")

    def test_backlog_above_somaxconn_is_reported(self):
        with open("/proc/sys/net/core/somaxconn") as f:
            cap = int(f.read())
        with Server("--port", "0", "--backlog", str(cap + 1)) as server:
            server.wait_log(f"the kernel caps it at {cap}")

    def test_help_and_version(self):
        code, out, _ = run_server("--help")
        self.assertEqual(code, 0)
        self.assertIn("--drain-timeout", out)
        code, out, _ = run_server("--version")
        self.assertEqual(code, 0)
        self.assertTrue(out.startswith("echo-server "), out)


if __name__ == "__main__":
    unittest.main()
