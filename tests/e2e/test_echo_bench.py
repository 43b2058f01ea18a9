"""echo-bench is itself tested: no false alarm against the real server, every
deliberate fault reported, open-loop latency that shows a stall, and an open-loop
rate that holds."""
import os
import sys
import tempfile
import unittest

from harness import Server, run_bench

FAULTY = [sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                       "faulty_server.py")]
SHORT = ["--duration", "1", "--warmup", "0.2", "--drain", "3"]


def faulty(mode):
    return Server(mode, program=FAULTY)


class AgainstRealServerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server("--port", "0", "--log-level", "warn")
        cls.url = f"tcp://127.0.0.1:{cls.server.port}"

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_no_errors_at_several_shapes(self):
        shapes = [
            ["--conns", "1", "--size", "64"],
            ["--conns", "50", "--size", "64,1024,16384", "--pipeline", "4", "--threads", "2"],
            ["--conns", "4", "--size", "1048576"],
            ["--conns", "20", "--size", "1", "--pipeline", "16"],
            ["--conns", "20", "--rate", "2000"],
        ]
        for shape in shapes:
            with self.subTest(shape=shape):
                code, report, err = run_bench(self.url, *SHORT, *shape)
                self.assertEqual(code, 0, f"{report and report['first_error']} {err}")
                self.assertEqual(report["errors"]["total"], 0)
                self.assertGreater(report["messages"], 0)
                self.assertGreater(report["verified_bytes"], 0)

    def test_connection_churn(self):
        code, report, err = run_bench(self.url, *SHORT, "--conns", "10",
                                      "--messages-per-conn", "3", "--pipeline", "2")
        self.assertEqual(code, 0, f"{report} {err}")
        self.assertGreater(report["connections_per_s"], 0)
        # Every connection carried exactly 3 messages, so messages come in threes
        # (up to the connections cut by the window's edges).
        self.assertGreater(report["messages"], 2 * report["connections_per_s"])

    def test_churn_over_unix_refills_like_tcp(self):
        # A Unix connect completes at once; the reconnect must still fill its pipeline,
        # or the run silently reports no messages (each connection carries 10 here).
        with tempfile.TemporaryDirectory() as tmp, \
                Server("--listen", f"unix:{tmp}/echo.sock", "--log-level", "warn") as unix:
            for url in (self.url, unix.urls[0]):
                with self.subTest(url=url):
                    code, report, err = run_bench(url, *SHORT, "--conns", "4", "--pipeline",
                                                  "4", "--messages-per-conn", "10")
                    self.assertEqual(code, 0, f"{report} {err}")
                    self.assertGreater(report["connections_per_s"], 50, report)
                    per_conn = report["msgs_per_s"] / report["connections_per_s"]
                    self.assertAlmostEqual(per_conn, 10, delta=1.5, msg=report)

    def test_antagonists_are_counted_apart(self):
        code, report, err = run_bench(self.url, *SHORT, "--conns", "2", "--hogs", "5",
                                      "--streamers", "1", "--streamer-size", "262144")
        self.assertEqual(code, 0, f"{report} {err}")
        hogs, streamers = report["hogs"], report["streamers"]
        self.assertEqual(hogs["opened"], 5, hogs)
        self.assertEqual(hogs["failed"], 0, hogs)
        self.assertGreater(hogs["bytes"], 5 * 65536, "each hog filled more than one send")
        self.assertGreater(streamers["blocks"], 0, streamers)
        self.assertGreaterEqual(streamers["verified_bytes"], streamers["blocks"] * 262144)
        self.assertEqual(streamers["errors"], 0, streamers)
        self.assertEqual(report["errors"]["total"], 0)
        # The measured figures are the 64 B probes' alone: no 256 KiB block in them.
        self.assertGreater(report["messages"], 0)
        self.assertLess(report["mb_per_s"] * 1e6 / report["msgs_per_s"], 65)

    def test_open_loop_holds_its_rate(self):
        code, report, _ = run_bench(self.url, "--rate", "5000", "--conns", "10",
                                    "--duration", "3", "--warmup", "0.5")
        self.assertEqual(code, 0)
        self.assertAlmostEqual(report["msgs_per_s"], 5000, delta=5000 * 0.02)

    def test_server_pid_reports_cpu_and_memory(self):
        code, report, _ = run_bench(self.url, *SHORT, "--conns", "5",
                                    "--server-pid", str(self.server.pid))
        self.assertEqual(code, 0)
        self.assertGreater(report["server"]["cpu_us_per_msg"], 0)
        self.assertGreater(report["server"]["rss_bytes"], 1 << 20)

    def test_table_names_the_reproducing_command(self):
        import subprocess
        from harness import BENCH
        p = subprocess.run([BENCH, self.url, *SHORT], capture_output=True, text=True,
                           timeout=30)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("latency µs  p50", p.stdout)
        self.assertIn(f"reproduce   {BENCH} {self.url} --duration 1", p.stdout)


class FaultsAreReportedTest(unittest.TestCase):
    def assert_fault(self, mode, kind, *extra):
        with faulty(mode) as server:
            code, report, err = run_bench(f"tcp://127.0.0.1:{server.port}", *SHORT,
                                          "--size", "256", *extra)
        self.assertEqual(code, 1, err)
        self.assertGreaterEqual(report["errors"][kind], 1, report)
        return report

    def test_flipped_byte(self):
        report = self.assert_fault("flip", "mismatch")
        self.assertIn("at byte 232", report["first_error"])  # byte 1000 = msg 3, byte 232

    def test_dropped_byte(self):
        self.assert_fault("drop", "mismatch")

    def test_early_close(self):
        self.assert_fault("close", "early_close")

    def test_connect_failure(self):
        with faulty("flip") as server:
            port = server.port
        code, report, _ = run_bench(f"tcp://127.0.0.1:{port}", *SHORT)
        self.assertEqual(code, 1)
        self.assertEqual(report["errors"]["connect_failed"], 1)
        self.assertIn("connection refused", report["first_error"])

    def test_delay_every_100th_reply_shows_in_open_loop_tail(self):
        with faulty("delay") as server:
            code, report, err = run_bench(f"tcp://127.0.0.1:{server.port}", "--rate", "1000",
                                          "--duration", "3", "--warmup", "0.5")
        self.assertEqual(code, 0, err)
        self.assertGreaterEqual(report["latency_us"]["p99.9"], 40_000, report["latency_us"])

    def test_bad_command_line_exits_2(self):
        code, report, err = run_bench("--conns", "0")
        self.assertEqual(code, 2)
        self.assertIn("echo-bench: --conns", err)


if __name__ == "__main__":
    unittest.main()
