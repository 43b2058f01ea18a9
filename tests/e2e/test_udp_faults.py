"""A udp listener's fault keys (drop, dup, corrupt, reorder, delay and jitter),
each measured by echo-bench within the binomial 99.9 % interval of its probability
and matched exactly by the server's own fault metrics; a rate= line that keeps at
most its bound of a burst, so a datagram after it is answered; and the reflection
guard's rate limit judging every datagram before any fault does."""
import math
import socket
import time
import unittest

from harness import SLOW, Server, metric, parse_metrics, scrape, run_bench, wait_until

METRICS = ["--metrics", "tcp://127.0.0.1:0"]
# 1000 datagrams a run, a few seconds for the whole file; slow enough that the
# client's receive buffer rides out a 100 ms stall of a busy machine.
RATE, SECONDS = 2000, 0.5
P = 0.2
LISTENERS = {
    "drop": f"drop={P}",
    "dup": f"dup={P}",
    "corrupt": f"corrupt={P}",
    # Sent at once or held 30 ms: at 2000/s some 50 datagrams are held at any
    # time, so every one sent at once overtakes one held before it.
    "reorder": f"reorder={P}&delay=30ms",
    "delay": "delay=50ms&jitter=20ms",
    # The same wait without jitter: what loopback and waking on a timer add to a
    # delay on this machine, and a busy shared one adds tens of milliseconds.
    "fixed": "delay=50ms",
}


def within_binomial(count, n, p):
    """Whether `count` of `n` is inside the two-sided 99.9 % interval of p (3.29 sd)."""
    return abs(count - n * p) <= 3.29 * math.sqrt(n * p * (1 - p)) + 1


class UdpFaultsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # One loopback address each: port 0 on one address twice is one listener.
        urls = [f"udp://127.0.0.{i}:0?{query}&seed=16"
                for i, query in enumerate(LISTENERS.values(), start=1)]
        args = [a for url in urls for a in ("--listen", url)]
        cls.server = Server(*args, "--threads", "1", *METRICS, expect_lines=len(urls) + 1)
        cls.targets = dict(zip(LISTENERS, cls.server.urls))

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def bench(self, name, loss_timeout="0.3"):
        code, report, stderr = run_bench(
            self.targets[name], "--rate", str(RATE), "--duration", str(SECONDS), "--warmup", "0",
            "--drain", "3", "--loss-timeout", loss_timeout, "--no-live")
        self.assertIsNotNone(report, stderr)
        errors = report["errors"]
        self.assertEqual(errors["mismatch"], 0, report["first_error"])
        self.assertGreater(report["sent_messages"], 0.5 * RATE * SECONDS, report)
        return code, report, errors

    def faulted(self, name, fault):
        samples = parse_metrics(scrape(self.server.urls[-1])[1])
        return metric(samples, "echo_datagrams_faulted_total", listener=self.targets[name],
                      fault=fault)

    def assert_measured(self, name, kind, fault, report, count):
        n = report["sent_messages"]
        self.assertTrue(within_binomial(count, n, P),
                        f"{name}: {count} {kind} of {n}, outside the interval of {P}")
        self.assertEqual(count, self.faulted(name, fault),
                         f"{name}: echo-bench saw {count} {kind}; the server counts otherwise")

    def test_drop_is_measured_as_lost(self):
        code, report, errors = self.bench("drop")
        self.assertEqual(code, 1, "lost datagrams are errors")
        self.assertEqual(errors["late"] + errors["duplicated"] + errors["corrupted"], 0, errors)
        self.assert_measured("drop", "lost", "dropped", report, errors["lost"])
        # echo-bench's datagrams are 64 bytes.
        m = parse_metrics(scrape(self.server.urls[-1])[1])
        self.assertEqual(metric(m, "echo_fault_bytes_dropped_total", listener=self.targets["drop"]),
                         64 * errors["lost"])

    def test_dup_is_measured_as_duplicated(self):
        _, report, errors = self.bench("dup")
        self.assertEqual(errors["lost"] + errors["late"] + errors["corrupted"], 0, errors)
        self.assert_measured("dup", "duplicated", "duplicated", report, errors["duplicated"])

    def test_corrupt_is_measured_as_corrupted_not_lost(self):
        _, report, errors = self.bench("corrupt")
        self.assertEqual(errors["lost"] + errors["late"] + errors["duplicated"], 0, errors)
        self.assert_measured("corrupt", "corrupted", "corrupted", report, errors["corrupted"])

    def test_reorder_is_measured_as_reordered(self):
        code, report, errors = self.bench("reorder")
        self.assertEqual((code, errors["total"]), (0, 0), report["first_error"])
        n = report["sent_messages"]
        self.assertTrue(within_binomial(report["reordered"], n, P),
                        f"{report['reordered']} reordered of {n}")
        # The server's count includes the few sent at once before anything was held
        # (which overtook nothing): at most a handful more.
        sent_ahead = self.faulted("reorder", "reordered")
        self.assertLessEqual(report["reordered"], sent_ahead)
        self.assertLessEqual(sent_ahead - report["reordered"], 10)

    def test_delay_with_jitter_bounds_every_latency(self):
        _, fixed, _ = self.bench("fixed")
        code, report, errors = self.bench("delay")
        self.assertEqual((code, errors["total"]), (0, 0), report["first_error"])
        latency, reference = report["latency_us"], fixed["latency_us"]
        self.assertGreaterEqual(reference["min"], 50_000, reference)
        self.assertGreaterEqual(latency["min"], 50_000, latency)
        # Uniform in [50, 70] ms plus what the machine adds to a 50 ms wait, which
        # on a loaded one varies by tens of milliseconds from run to run.
        late = reference["max"] - 50_000
        self.assertLessEqual(latency["max"], 70_000 + late + 25_000 * SLOW, (latency, reference))
        # The median sits mid-way (60 ms): well above a delay without its jitter,
        # below one with twice it, give or take what the machine adds (its p90).
        self.assertGreater(latency["p50"], 57_000, latency)
        self.assertLess(latency["p50"], 63_000 + reference["p90"] - 50_000, (latency, reference))
        self.assertEqual(self.faulted("delay", "delayed"), report["sent_messages"])
        self.assertEqual(self.faulted("fixed", "delayed"), fixed["sent_messages"])
        self.assertEqual(self.faulted("drop", "delayed"), 0)


class RateLineTest(unittest.TestCase):
    def test_an_honest_datagram_after_a_burst_is_answered_within_the_line_bound(self):
        # 16 KiB/s and 1000-byte datagrams: 320 of them are 20 s of line, of which the
        # line keeps 1 s (about 17) and drops the rest, charging them nothing.
        rate, size, rounds, per_round = 16 * 1024, 1000, 8, 40
        with Server("--listen", f"udp://127.0.0.1:0?rate={rate}", "--threads", "1", *METRICS,
                    expect_lines=2) as server, \
                socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as hostile, \
                socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as honest:
            target = ("127.0.0.1", server.port)

            def received():
                return metric(parse_metrics(scrape(server.urls[-1])[1]),
                              "echo_received_messages_total")
            # In rounds the socket's receive buffer holds, so the server sees them all.
            for r in range(rounds):
                for _ in range(per_round):
                    hostile.sendto(b"h" * size, target)
                wait_until(lambda: received() == (r + 1) * per_round, 10,
                           f"the server to take round {r} of the burst")
            # A client retrying every 250 ms, as one would: its first tries may meet
            # the line still full, never for longer than the bound.
            honest.settimeout(0.25)
            started, answer, tries = time.monotonic(), None, 0
            while answer is None and time.monotonic() - started < 3 * SLOW:
                payload = b"honest %d " % tries
                honest.sendto(payload.ljust(size, b"."), target)
                tries += 1
                try:
                    answer = honest.recv(2 * size)
                except socket.timeout:
                    pass
            waited = time.monotonic() - started
            self.assertIsNotNone(answer, f"no answer in {waited:.1f} s after the burst")
            self.assertTrue(answer.startswith(b"honest "), answer[:20])
            # The line's bound (1 s), one datagram on the line (60 ms), a retry gap.
            self.assertLess(waited, 1.06 + 0.25 + 0.5 * SLOW)
            m = parse_metrics(scrape(server.urls[-1])[1])
        line_full = metric(m, "echo_datagrams_dropped_total", reason="line_full")
        self.assertGreater(line_full, rounds * per_round - 40, "the burst was not cut")
        self.assertEqual(metric(m, "echo_datagrams_dropped_total", reason="hold_full"), 0)
        self.assertEqual(metric(m, "echo_fault_bytes_dropped_total"), line_full * size)


class GuardFirstTest(unittest.TestCase):
    def test_rate_limit_judges_before_any_fault(self):
        sent, burst = 100, 20  # well inside the socket's receive buffer
        with Server("--listen", "udp://127.0.0.1:0?dup=1&corrupt=1", "--threads", "1",
                    "--udp-rate-limit", "1", "--udp-burst", str(burst), *METRICS,
                    expect_lines=2) as server:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.setblocking(False)
                for i in range(sent):
                    s.sendto(b"datagram %d" % i, ("127.0.0.1", server.port))

                def judged():
                    m = parse_metrics(scrape(server.urls[-1])[1])
                    return metric(m, "echo_received_messages_total") == sent and m
                m = wait_until(judged, 10, f"the server to judge all {sent} datagrams")
        limited = metric(m, "echo_datagrams_dropped_total", reason="rate_limited")
        passed = sent - limited
        self.assertGreaterEqual(passed, burst)
        self.assertLess(passed, burst + 5, "the rate limit let through more than its burst")
        # Every datagram the guard let by was faulted, and none it refused.
        self.assertEqual(metric(m, "echo_datagrams_faulted_total", fault="duplicated"), passed)
        self.assertEqual(metric(m, "echo_datagrams_faulted_total", fault="corrupted"), passed)
        self.assertEqual(metric(m, "echo_sent_messages_total"), 2 * passed)


if __name__ == "__main__":
    unittest.main()
