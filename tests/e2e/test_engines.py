"""Engine selection and the engine's hard cases: fallback when io_uring is not
allowed, buffer-ring exhaustion, a datagram queue longer than one wake-up serves,
connection churn with resets, and 10 000 connections closing at once. Runs under each engine like the rest of the suite."""
import os
import signal
import socket
import struct
import unittest

from harness import (ENGINE, SLOW, Server, echo_while_sending, exchange_many, metric,
                     parse_metrics, run_server, scrape, wait_until)


def reset(sock):
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


class SelectionTest(unittest.TestCase):
    def test_version_lists_the_engines_here(self):
        code, out, _ = run_server("--version")
        self.assertEqual(code, 0)
        self.assertIn("engines: epoll", out)

    def test_auto_falls_back_to_epoll_with_one_line_saying_why(self):
        from harness import BINARY
        env = {"ECHO_SERVER_DISABLE_IO_URING": "simulated for the test"}
        with Server("--port", "0", "--engine", "auto", env=env, program=[BINARY]) as server:
            with server.connect() as s:
                self.assertEqual(echo_while_sending(s, b"still here"), b"still here")
            server.wait_log("io_uring unavailable (simulated for the test); using epoll")

    def test_io_uring_asked_for_but_unavailable_is_an_error(self):
        import subprocess
        from harness import BINARY
        p = subprocess.run([BINARY, "--engine", "io_uring", "--port", "0"], capture_output=True,
                           text=True, timeout=10,
                           env={**os.environ, "ECHO_SERVER_DISABLE_IO_URING": "simulated"})
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stderr.strip(), "echo-server: --engine io_uring: simulated")
        self.assertEqual(p.stdout, "")


class HardCasesTest(unittest.TestCase):
    def test_more_readable_connections_than_buffers(self):
        # 300 clients x 64 KiB unread: more than the 256 receive buffers per thread.
        with Server("--port", "0", "--threads", "1", "--log-level", "warn",
                    "--metrics", "tcp://127.0.0.1:0", expect_lines=2) as server:
            socks = [server.connect() for _ in range(300)]
            payloads = [os.urandom(64 * 1024) for _ in socks]
            for s, p in zip(socks, payloads):
                s.sendall(p)
            for s in socks:
                s.setblocking(True)
            got = []
            for s, p in zip(socks, payloads):
                buf = bytearray()
                while len(buf) < len(p):
                    data = s.recv(len(p) - len(buf))
                    self.assertTrue(data, "server closed early")
                    buf += data
                got.append(bytes(buf))
                s.close()
            self.assertEqual([g == p for g, p in zip(got, payloads)], [True] * len(payloads))
            with server.connect() as s:
                self.assertEqual(echo_while_sending(s, b"after"), b"after")
            if ENGINE == "io_uring":  # epoll has no shared buffers to run out of
                m = parse_metrics(scrape(server.urls[-1])[1])
                pressure = sum(metric(m, "echo_engine_pressure_total", event=e)
                               for e in ("buffer_wait", "buffer_copied"))
                self.assertGreater(pressure, 0, "the 256 buffers never ran short: case not reached")

    def test_a_datagram_queue_longer_than_one_serve_is_all_answered(self):
        # The server stopped while 1000 datagrams queue (a 4 MiB receive buffer
        # holds them): more than one wake-up's budget (8 x 32), so the rest must be
        # served without waiting for another datagram to come.
        sent = 1000
        with Server("--listen", "udp://127.0.0.1:0?rcvbuf=4194304", "--threads", "1",
                    "--metrics", "tcp://127.0.0.1:0", expect_lines=2) as server, \
                socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * 1024 * 1024)
            os.kill(server.pid, signal.SIGSTOP)
            try:
                for i in range(sent):
                    s.sendto(b"%d" % i, ("127.0.0.1", server.port))
            finally:
                os.kill(server.pid, signal.SIGCONT)

            def received():
                m = parse_metrics(scrape(server.urls[-1])[1])
                return metric(m, "echo_received_messages_total")
            wait_until(lambda: received() >= sent, 10,
                       f"the server to read all {sent} queued datagrams (read {received()})")
            s.settimeout(5 * SLOW)
            answers = {s.recv(64) for _ in range(sent)}
            self.assertEqual(len(answers), sent)

    def test_churn_with_resets_and_closes(self):
        rounds, conns = (20, 1000) if not SLOW > 1 else (5, 500)
        with Server("--port", "0", "--log-level", "warn") as server:
            with server.connect() as s:
                self.assertEqual(echo_while_sending(s, b"warm"), b"warm")
            for r in range(rounds):
                socks = [server.connect() for _ in range(conns)]
                payloads = [os.urandom(64 * 1024) for _ in range(conns)]
                echoed = exchange_many(socks, payloads, timeout=120)
                bad = [i for i, (p, e) in enumerate(zip(payloads, echoed)) if p != e]
                self.assertEqual(bad, [], f"round {r}: connections with wrong bytes")
                for i, s in enumerate(socks):
                    reset(s) if i % 2 else s.close()
            with server.connect() as s:
                self.assertEqual(echo_while_sending(s, b"after churn"), b"after churn")

    def test_ten_thousand_connections_closing_at_once(self):
        with Server("--port", "0", "--log-level", "warn", "--backlog", "4096") as server:
            baseline = server.fd_count()  # every engine's descriptors exist before the line
            socks = []
            for _ in range(10000):
                socks.append(socket.create_connection(("127.0.0.1", server.port), timeout=30))
            wait_until(lambda: server.fd_count() >= baseline + 10000, 30,
                       "all 10 000 connections accepted")
            for i, s in enumerate(socks):
                reset(s) if i % 2 else s.close()
            try:
                wait_until(lambda: server.fd_count() == baseline, 60, "descriptors back to baseline")
            except AssertionError:
                fds = sorted(os.readlink(f"/proc/{server.pid}/fd/{fd}")
                             for fd in os.listdir(f"/proc/{server.pid}/fd"))
                raise AssertionError(f"{len(fds)} descriptors open, {baseline} before: {fds}")
            with server.connect() as s:
                self.assertEqual(echo_while_sending(s, b"alive"), b"alive")


if __name__ == "__main__":
    unittest.main()
