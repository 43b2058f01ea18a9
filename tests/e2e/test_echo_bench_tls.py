"""echo-bench over TLS, against TLS terminators in front of the real echo-server:
HAProxy for tls://HOST:PORT, stunnel for unix+tls:. Every byte is still verified.

HAProxy listens on a socket this test binds to port 0 and hands over (`bind fd@N`),
so no port is picked and raced for; stunnel listens on a Unix socket in a private
directory, which has no race either."""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import unittest

from harness import SLOW, Server, run_bench, wait_until
from tls_material import Pki

SHORT = ["--duration", "1", "--warmup", "0.2", "--drain", "3"]
HAPROXY = shutil.which("haproxy") or shutil.which("/usr/sbin/haproxy")
STUNNEL = shutil.which("stunnel4") or shutil.which("stunnel")


class Terminator:
    """A TLS terminator (or another outside peer) process; its output goes to a file
    shown on failure."""

    def __init__(self, argv, pass_fds=(), env=None):
        self.log = tempfile.NamedTemporaryFile(prefix="outside-peer-", suffix=".log")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT, pass_fds=pass_fds, env=env)
        self.pid = self.proc.pid

    def output(self):
        with open(self.log.name, encoding="utf-8", errors="replace") as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10 * SLOW)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def haproxy(directory, backend_port, pem, client_ca=None):
    """HAProxy (mode tcp, one thread, ALPN "echo") terminating TLS on a port 0
    socket bound here; with `client_ca`, a client certificate signed by it is required.
    Returns (Terminator, port)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    port = listener.getsockname()[1]
    verify = f" ca-file {client_ca} verify required" if client_ca else ""
    config = os.path.join(directory, f"haproxy-{port}.cfg")
    with open(config, "w") as f:
        f.write(f"global\n  nbthread 1\n"
                f"defaults\n  mode tcp\n  timeout connect 5s\n  timeout client 30s\n"
                f"  timeout server 30s\n"
                f"frontend tls\n  bind fd@{listener.fileno()} ssl crt {pem} "
                f"ssl-min-ver TLSv1.2 ssl-max-ver TLSv1.3 alpn echo{verify}\n"
                f"  default_backend echo\n"
                f"backend echo\n  server echo 127.0.0.1:{backend_port}\n")
    check = subprocess.run([HAPROXY, "-c", "-f", config], capture_output=True, text=True,
                           pass_fds=(listener.fileno(),))
    if check.returncode != 0:
        listener.close()
        raise AssertionError(f"haproxy rejects its configuration: {check.stdout}{check.stderr}")
    # Until HAProxy accepts, connections wait in the listen queue: nothing to poll.
    terminator = Terminator([HAPROXY, "-db", "-f", config], pass_fds=(listener.fileno(),))
    listener.close()
    return terminator, port


def stunnel(directory, accept_path, echo_path, cert, key):
    """stunnel terminating TLS on the Unix socket `accept_path`, to echo-server's."""
    config = os.path.join(directory, "stunnel.conf")
    with open(config, "w") as f:
        f.write(f"foreground = yes\npid =\n[echo]\naccept = {accept_path}\n"
                f"connect = {echo_path}\ncert = {cert}\nkey = {key}\n")
    terminator = Terminator([STUNNEL, config])

    def accepting():
        if terminator.proc.poll() is not None:
            raise AssertionError("stunnel exited: " + terminator.output())
        with socket.socket(socket.AF_UNIX) as s:
            try:
                s.connect(accept_path)
                return True
            except OSError:
                return False

    wait_until(accepting, 10, "stunnel accepting")
    return terminator


def combined_pem(directory, cert, key):
    """HAProxy's crt: the certificate and its key in one file."""
    path = os.path.join(directory, "haproxy.pem")
    with open(path, "w") as out:
        for part in (cert, key):
            with open(part) as f:
                out.write(f.read())
    return path


@unittest.skipUnless(HAPROXY, "haproxy is not installed (scripts/install-deps installs it)")
class ThroughHaproxyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # Class cleanups run even when a later step here fails: nothing is left running.
        cls.tmp = tempfile.TemporaryDirectory()
        cls.addClassCleanup(cls.tmp.cleanup)
        cls.pki = Pki(os.path.join(cls.tmp.name, "pki"))
        cls.ca = cls.pki.ca_cert
        cert, key = cls.pki.server("localhost")
        cls.client_cert, cls.client_key = cls.pki.client("echo-bench")
        cls.other_ca = Pki(os.path.join(cls.tmp.name, "other"), name="other-ca").ca_cert
        pem = combined_pem(cls.tmp.name, cert, key)
        cls.server = Server("--port", "0", "--log-level", "warn")
        cls.addClassCleanup(cls.server.stop)
        cls.proxy, port = haproxy(cls.tmp.name, cls.server.port, pem)
        cls.addClassCleanup(cls.proxy.stop)
        cls.mtls_proxy, mtls_port = haproxy(cls.tmp.name, cls.server.port, pem, client_ca=cls.ca)
        cls.addClassCleanup(cls.mtls_proxy.stop)
        cls.url = f"tls://127.0.0.1:{port}"
        cls.mtls_url = f"tls://127.0.0.1:{mtls_port}"

    def bench(self, *args, url=None):
        code, report, err = run_bench(url or self.url, *SHORT, *args)
        context = f"exit {code}, stderr {err!r}, report {report}, haproxy: {self.proxy.output()}"
        return code, report, err, context

    def test_tls12_and_tls13_verify_every_byte(self):
        for version in ("1.2", "1.3"):
            with self.subTest(version=version):
                code, report, _, context = self.bench(
                    "--ca", self.ca, "--tls-min", version, "--tls-max", version,
                    "--conns", "4", "--size", "64,16384,100000", "--pipeline", "4")
                self.assertEqual(code, 0, context)
                self.assertEqual(report["errors"]["total"], 0, context)
                self.assertGreater(report["messages"], 0, context)
                self.assertGreater(report["verified_bytes"], 100000, context)
                tls = report["tls"]
                self.assertEqual(tls["version"], f"TLSv{version}", context)
                self.assertTrue(tls["cipher"], context)
                self.assertEqual(tls["handshakes"], 4, context)
                self.assertGreater(tls["handshake_us"]["max"], 0, context)

    def test_alpn_is_offered_and_reported(self):
        code, report, _, context = self.bench("--ca", self.ca, "--alpn", "h2,echo")
        self.assertEqual((code, report["errors"]["total"]), (0, 0), context)
        self.assertEqual(report["tls"]["alpn"], "echo", context)
        code, report, _, context = self.bench("--ca", self.ca)
        self.assertEqual(report["tls"]["alpn"], "", "nothing offered, nothing chosen")

    def test_the_name_is_verified(self):
        # The certificate names localhost and 127.0.0.1: a name it lacks fails.
        code, report, _, context = self.bench("--ca", self.ca, "--conns", "2",
                                              url=self.url.replace("127.0.0.1", "localhost"))
        self.assertEqual((code, report["errors"]["total"]), (0, 0), context)
        code, report, err, context = self.bench("--ca", self.ca, "--sni", "other.example")
        self.assertEqual(code, 1, context)
        self.assertIn("hostname mismatch", err, context)

    def test_wrong_ca_fails_in_one_line(self):
        code, report, err, context = self.bench("--ca", self.other_ca, "--conns", "3")
        self.assertEqual(code, 1, context)
        self.assertIsNone(report, "nothing measured, no report")
        self.assertEqual(len(err.strip().splitlines()), 1, context)
        self.assertTrue(err.startswith(f"echo-bench: TLS handshake with {self.url} failed: "
                                       "certificate verify failed"), context)

    def test_resume_resumes_and_the_default_does_not(self):
        churn = ["--ca", self.ca, "--conns", "2", "--messages-per-conn", "1"]
        code, report, _, context = self.bench(*churn, "--resume")
        self.assertEqual((code, report["errors"]["total"]), (0, 0), context)
        tls = report["tls"]
        self.assertGreater(tls["handshakes_per_s"], 0, context)
        self.assertGreater(tls["resumed"], 0, context)
        # Every connection but each thread's first offers the last session.
        self.assertGreater(tls["resumed_ratio"], 0.5, context)
        code, report, _, context = self.bench(*churn)
        self.assertEqual((code, report["errors"]["total"]), (0, 0), context)
        self.assertGreater(report["tls"]["handshakes"], 2, context)
        self.assertEqual(report["tls"]["resumed"], 0, context)

    def test_client_certificate_accepted_where_required(self):
        code, report, _, context = self.bench("--ca", self.ca, "--cert", self.client_cert,
                                              "--key", self.client_key, "--conns", "2",
                                              url=self.mtls_url)
        self.assertEqual((code, report["errors"]["total"]), (0, 0), context)
        self.assertGreater(report["messages"], 0, context)
        # Without one, TLS 1.3 finishes the client's handshake and the server's alert
        # comes with the first read.
        code, report, err, context = self.bench("--ca", self.ca, "--conns", "2",
                                                "--tls-min", "1.3", url=self.mtls_url)
        self.assertEqual(code, 1, context)
        self.assertEqual(report["errors"]["tls"], 2, context)
        self.assertIn("certificate required", report["first_error"], context)
        self.assertEqual(report["messages"], 0, context)

    def test_server_pids_are_summed(self):
        code, report, _, context = self.bench(
            "--ca", self.ca, "--conns", "2", "--server-pid",
            f"{self.proxy.pid},{self.server.pid}")
        self.assertEqual(code, 0, context)
        self.assertEqual(report["server"]["pids"], [self.proxy.pid, self.server.pid], context)
        self.assertGreater(report["server"]["cpu_us_per_msg"], 0, context)
        self.assertGreater(report["server"]["rss_bytes"], self.server.rss_bytes(), context)


@unittest.skipUnless(STUNNEL, "stunnel4 is not installed (scripts/install-deps installs it)")
class UnixThroughStunnelTest(unittest.TestCase):
    def test_unix_tls_target(self):
        with tempfile.TemporaryDirectory() as tmp:
            pki = Pki(os.path.join(tmp, "pki"))
            cert, key = pki.server("localhost")
            with Server("--listen", f"unix:{tmp}/echo.sock", "--log-level", "warn"):
                terminator = stunnel(tmp, f"{tmp}/tls.sock", f"{tmp}/echo.sock", cert, key)
                try:
                    code, report, err = run_bench(
                        f"unix+tls:{tmp}/tls.sock", *SHORT, "--ca", pki.ca_cert, "--sni",
                        "localhost", "--conns", "3", "--size", "64,4096", "--pipeline", "2")
                finally:
                    terminator.stop()
            context = f"exit {code}, stderr {err!r}, report {report}, {terminator.output()}"
            self.assertEqual((code, report["errors"]["total"]), (0, 0), context)
            self.assertGreater(report["messages"], 0, context)
            self.assertEqual(report["tls"]["version"], "TLSv1.3", context)
            self.assertEqual(report["target"], f"unix+tls:{tmp}/tls.sock", context)


if __name__ == "__main__":
    unittest.main()
