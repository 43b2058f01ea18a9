"""Peers that misbehave on purpose, each beside an honest one: the defects outside
testing found (Nagle on bulk echo, a streamer starving its loop, hogs pinning the
receive buffers, a timeout that wraps, a missing eventfd), each shown reached."""
import contextlib
import os
import socket
import subprocess
import threading
import time
import unittest

from harness import (BINARY, ENGINE, SANITIZED, SLOW, Server, echo_while_sending, metric,
                     parse_metrics, run_bench, scrape, server_side_socket, wait_until)


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def metrics_of(server):
    return parse_metrics(scrape(server.urls[-1])[1])


def settled(server):
    """A condition: the server received nothing more over the last 0.3 s or more."""
    last = {"bytes": None, "at": 0.0}

    def check():
        now = time.monotonic()
        if now - last["at"] < 0.3:
            return False
        received = metric(metrics_of(server), "echo_received_bytes_total")
        done = received == last["bytes"]
        last.update(bytes=received, at=now)
        return done
    return check


class NodelayTest(unittest.TestCase):
    def nodelay_of_accepted(self, *args):
        with Server(*args, "--log-level", "warn") as server, server.connect() as c:
            self.assertEqual(echo_while_sending(c, b"x"), b"x")  # accepted and set up
            with server_side_socket(server, c) as s:
                return s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)

    def test_accepted_connections_have_nodelay(self):
        self.assertNotEqual(self.nodelay_of_accepted("--port", "0"), 0)

    def test_a_listener_may_turn_it_off(self):
        self.assertEqual(self.nodelay_of_accepted("--listen", "tcp://127.0.0.1:0?nodelay=0"), 0)

    def test_bulk_echo_is_not_held_back_by_nagle(self):
        # 1 MiB echoes on 10 connections: with Nagle and the client's delayed ACK
        # this ran at ~500 msgs/s with a 48 ms p99; without, p99 is a few ms.
        with Server("--port", "0", "--log-level", "warn") as server:
            code, report, err = run_bench(f"tcp://127.0.0.1:{server.port}", "--conns", "10",
                                          "--size", "1048576", "--duration", "2",
                                          "--warmup", "0.5")
            self.assertEqual(code, 0, err)
            self.assertEqual(report["errors"]["total"], 0)
            self.assertLess(report["latency_us"]["p50"], 40_000 * SLOW, report["latency_us"])


class FairnessTest(unittest.TestCase):
    def test_a_flat_out_streamer_does_not_starve_its_loop(self):
        # One loop; one client sending 1 MiB blocks and reading its echo at once, as
        # fast as it can, and four 64 B probes (echo-bench) beside it. Without a read
        # budget the probes' p99 passed 1 s while the median stayed at 0.2 ms.
        with Server("--port", "0", "--threads", "1", "--log-level", "warn",
                    "--metrics", "tcp://127.0.0.1:0", expect_lines=2) as server:
            stop = threading.Event()
            streamed = [0]
            stream = server.connect()

            def send_flat_out():
                block = os.urandom(1 << 20)
                with contextlib.suppress(OSError):
                    while not stop.is_set():
                        stream.sendall(block)

            def read_flat_out():
                with contextlib.suppress(OSError):
                    while data := stream.recv(1 << 20):
                        streamed[0] += len(data)

            threads = [threading.Thread(target=f) for f in (send_flat_out, read_flat_out)]
            for t in threads:
                t.start()
            try:
                wait_until(lambda: streamed[0] > 8 << 20, 10, "the streamer to get going")
                code, report, err = run_bench(f"tcp://127.0.0.1:{server.port}", "--conns",
                                              "4", "--duration", "2", "--warmup", "0.2",
                                              timeout=60)
                during = streamed[0]
            finally:
                stop.set()
                stream.shutdown(socket.SHUT_RDWR)
                for t in threads:
                    t.join()
                stream.close()
            self.assertEqual(code, 0, err)
            self.assertGreater(report["messages"], 100, report)
            self.assertLess(report["latency_us"]["p99"], 250_000 * SLOW, report["latency_us"])
            self.assertGreater(during, 32 << 20, "the streamer did not run flat out")
            if ENGINE != "io_uring":
                # epoll bounds its turn with the read budget. io_uring gives a sender
                # that never drains its socket one buffer per receive request, so the
                # budget need not act (the engine contract test shows it on a
                # multishot receive).
                yields = metric(metrics_of(server), "echo_engine_pressure_total",
                                event="budget_yield")
                self.assertGreater(yields, 0, "the streamer never outlasted a turn")

    def test_peers_that_never_read_leave_fresh_clients_served(self):
        # 300 connections that send until their buffers are full and never read: on
        # io_uring they used to pin every provided buffer, and no new client was
        # served for 15 s. Memory stays within --max-buffer per connection plus a
        # fixed part.
        hogs_wanted = 300
        with Server("--port", "0", "--threads", "1", "--log-level", "warn",
                    "--metrics", "tcp://127.0.0.1:0", expect_lines=2) as server:
            hogs = []
            try:
                for _ in range(hogs_wanted):
                    h = server.connect()
                    h.setblocking(False)
                    try:
                        while True:
                            h.send(b"h" * 65536)
                    except BlockingIOError:
                        pass
                    hogs.append(h)
                with server.connect(timeout=5) as fresh:
                    # A new client is echoed beside them (it used to wait for ever).
                    self.assertEqual(echo_while_sending(fresh, b"fresh" * 100), b"fresh" * 100)
                # Their backlog is honest echo work at first (their receive windows
                # take a few MiB); measure once the server no longer reads from them.
                wait_until(settled(server), 30, "the hogs' echoes to stall")
                code, report, err = run_bench(f"tcp://127.0.0.1:{server.port}", "--conns", "4",
                                              "--duration", "1", "--warmup", "0", timeout=60)
                self.assertEqual(code, 0, err)
                self.assertGreater(report["messages"], 100, "fresh clients were not served")
                self.assertLess(report["latency_us"]["p99"], 100_000 * SLOW,
                                report["latency_us"])
                if not SANITIZED:  # the sanitizers' own memory is not the server's
                    self.assertLess(server.rss_bytes(), hogs_wanted * 64 * 1024 + 24 * 2**20)
                if ENGINE == "io_uring":
                    m = metrics_of(server)
                    pressure = sum(metric(m, "echo_engine_pressure_total", event=e)
                                   for e in ("buffer_copied", "buffer_wait", "held_back"))
                    self.assertGreater(pressure, 0, "the hogs never pressed on the ring")
            finally:
                for h in hogs:
                    h.close()


class TimeoutAndSetupTest(unittest.TestCase):
    def test_a_timeout_past_int_milliseconds_does_not_spin(self):
        # 2^32 ms: narrowed to int it was 0, a poll that returns at once, for ever
        # (inetd mode waits for the idle timeout afresh on every poll).
        ours, theirs = socket.socketpair()
        with ours:
            p = subprocess.Popen([BINARY, "--inetd", "--idle-timeout", "4294967.296"],
                                 stdin=theirs, stdout=theirs, stderr=subprocess.DEVNULL)
            theirs.close()
            try:
                ours.sendall(b"idle now")
                self.assertEqual(ours.recv(8), b"idle now")  # it runs, and now waits
                before = cpu_seconds(p.pid)
                ours.settimeout(1.0)  # one second in which it has nothing to do
                with self.assertRaises(socket.timeout):
                    ours.recv(1)
                self.assertLess(cpu_seconds(p.pid) - before, 0.3, "it spun while idle")
            finally:
                p.kill()
                p.wait()

    def test_running_out_of_descriptors_at_start_is_a_clear_error(self):
        # Each limit makes a different set-up call the first to fail (the signalfd,
        # the supervisor's eventfd, a loop's eventfd, a socket): each must give one
        # line and exit 1. An unchecked eventfd used to leave the supervisor waiting
        # on nothing for ever.
        named = set()
        for limit in range(4, 16):
            p = subprocess.Popen(["prlimit", f"--nofile={limit}:{limit}", "--", BINARY,
                                  "--engine", "epoll", "--port", "0", "--threads", "2"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 stdin=subprocess.DEVNULL)
            try:
                out, err = p.communicate(timeout=10 * SLOW)  # it exits, or it hangs
            except subprocess.TimeoutExpired:
                p.kill()
                out, err = p.communicate()
                if out.startswith("listening on"):
                    break  # enough descriptors: it started, which ends the search
                self.fail(f"limit {limit}: neither started nor exited: {err}")
            self.assertEqual(p.returncode, 1, f"limit {limit}: {err}")
            self.assertEqual(out, "")
            self.assertEqual(len(err.strip().splitlines()), 1, err)
            self.assertIn("too many open files", err.lower())
            named.add(err.split(":")[1].strip())
        self.assertIn("eventfd", named, "no limit made an eventfd the one to fail")


if __name__ == "__main__":
    unittest.main()
