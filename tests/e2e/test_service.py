"""Service integration: systemd socket activation (TCP, UDP, Unix) and sd_notify,
inetd mode under systemd-socket-activate and xinetd, and dropping privileges."""
import os
import pwd
import random
import signal
import socket
import subprocess
import tempfile
import textwrap
import unittest

from harness import BINARY, ENGINE_ARGS, SLOW, Server, run_server, wait_until

ACTIVATE = "systemd-socket-activate"


def free_port(kind=socket.SOCK_STREAM, low=None):
    """A port nothing is bound to right now: ephemeral, or privileged from `low`."""
    candidates = random.sample(range(low, 1024), 1024 - low) if low else [0]
    for port in candidates:
        with socket.socket(socket.AF_INET, kind) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise AssertionError("no free port")


def can_connect(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def echo_tcp(port, payload=b"hello", half_close=True):
    with socket.create_connection(("127.0.0.1", port), timeout=10 * SLOW) as s:
        s.sendall(payload)
        if half_close:
            s.shutdown(socket.SHUT_WR)
        got = b""
        while len(got) < len(payload):
            data = s.recv(65536)
            if not data:
                break
            got += data
        return got


class SocketActivationTest(unittest.TestCase):
    # systemd-socket-activate binds, then starts echo-server at the first client.
    def activated(self, *listen):
        return Server(program=[ACTIVATE, *listen, BINARY, *ENGINE_ARGS], expect_lines=0)

    def test_tcp_and_unix_passed_together(self):
        port = free_port()
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "echo.sock")
            with self.activated("-l", f"127.0.0.1:{port}", "-l", path) as server:
                wait_until(lambda: can_connect(port), 10, "the activator to listen")
                self.assertEqual(echo_tcp(port), b"hello")
                server.read_lines(2)
                self.assertEqual(server.urls, [f"tcp://127.0.0.1:{port}", f"unix:{path}"])
                with socket.socket(socket.AF_UNIX) as u:
                    u.settimeout(10)
                    u.connect(path)
                    u.sendall(b"via unix")
                    self.assertEqual(u.recv(100), b"via unix")
                server.wait_log("passed by the service manager")

    def test_udp_with_datagram(self):
        port = free_port(socket.SOCK_DGRAM)
        with self.activated("--datagram", "-l", f"127.0.0.1:{port}") as server:
            # A datagram sent before the activator binds is lost without an error
            # (unconnected UDP sees no ICMP), so wait for its own "Listening on" line.
            server.wait_log(f"Listening on 127.0.0.1:{port}")
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                u.settimeout(10 * SLOW)
                def answered():
                    u.sendto(b"datagram", ("127.0.0.1", port))
                    try:
                        return u.recvfrom(100)[0] == b"datagram"
                    except OSError:  # timed out, or refused before the activator bound
                        return False
                wait_until(answered, 30, "an echoed datagram")
            server.read_lines(1)
            self.assertEqual(server.urls, [f"udp://127.0.0.1:{port}"])

    def test_malformed_listen_fds_is_a_setup_error(self):
        env = {**os.environ, "LISTEN_PID": "self", "LISTEN_FDS": "1"}
        p = subprocess.run([BINARY, *ENGINE_ARGS, "--port", "0"], env=env, capture_output=True,
                           text=True, timeout=10 * SLOW, stdin=subprocess.DEVNULL)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stdout, "")
        self.assertIn("socket activation: LISTEN_PID='self' is not a process id", p.stderr)

    def test_listen_fds_for_another_process_is_ignored(self):
        with Server("--port", "0", env={"LISTEN_PID": "1", "LISTEN_FDS": "1"}) as server:
            self.assertTrue(server.urls[0].startswith("tcp://127.0.0.1:"))


class NotifyTest(unittest.TestCase):
    def test_ready_status_and_stopping(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "notify")
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as n:
                n.bind(path)
                n.settimeout(10 * SLOW)
                with Server("--port", "0", env={"NOTIFY_SOCKET": path}) as server:
                    self.assertEqual(n.recv(4096), b"READY=1")
                    held = server.connect()
                    held.sendall(b"x")
                    held.recv(1)
                    status = n.recv(4096).decode()  # refreshed every 5 s
                    self.assertRegex(status, r"^STATUS=1 connections open, 1 accepted")
                    held.close()
                    server.signal(signal.SIGTERM)
                    while (msg := n.recv(4096)).startswith(b"STATUS="):
                        pass
                    self.assertEqual(msg, b"STOPPING=1")
                    self.assertEqual(server.wait_exit(), 0)


class InetdTest(unittest.TestCase):
    def test_under_systemd_socket_activate_inetd(self):
        port = free_port()
        program = [ACTIVATE, "--inetd", "--accept", "-l", f"127.0.0.1:{port}", BINARY,
                   *ENGINE_ARGS, "--inetd"]
        proc = subprocess.Popen(program, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        try:
            wait_until(lambda: can_connect(port), 10, "systemd-socket-activate to listen")
            self.assertEqual(echo_tcp(port, b"one"), b"one")
            payload = os.urandom(1 << 20)
            self.assertEqual(echo_tcp(port, payload), payload, "1 MiB through --inetd")
        finally:
            proc.terminate()
            proc.wait(timeout=10)

    def test_under_xinetd(self):
        port = free_port()
        with tempfile.TemporaryDirectory() as d:
            conf = os.path.join(d, "xinetd.conf")
            log = os.path.join(d, "xinetd.log")
            with open(conf, "w") as f:
                f.write(textwrap.dedent(f"""\
                    defaults
                    {{
                        log_type = FILE {log}
                    }}
                    service echo-test
                    {{
                        type        = UNLISTED
                        socket_type = stream
                        protocol    = tcp
                        wait        = no
                        user        = root
                        bind        = 127.0.0.1
                        port        = {port}
                        server      = {os.path.abspath(BINARY)}
                        server_args = {' '.join([*ENGINE_ARGS, '--inetd'])}
                    }}
                    """))
            proc = subprocess.Popen(["xinetd", "-dontfork", "-f", conf,
                                     "-pidfile", os.path.join(d, "pid")],
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            try:
                wait_until(lambda: can_connect(port), 10, "xinetd to listen")
                self.assertEqual(echo_tcp(port, b"through xinetd"), b"through xinetd")
                self.assertEqual(echo_tcp(port, b"no log lines in the data"),
                                 b"no log lines in the data")
            finally:
                proc.terminate()
                proc.wait(timeout=10)

    def test_listening_socket_on_stdin_is_refused(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            s.listen()
            p = subprocess.run([BINARY, *ENGINE_ARGS, "--inetd"], stdin=s.fileno(),
                               capture_output=True, text=True, timeout=10 * SLOW)
        self.assertEqual(p.returncode, 1)
        self.assertIn("--inetd: stdin is a listening socket", p.stderr)


class PrivilegeDropTest(unittest.TestCase):
    def setUp(self):
        if os.geteuid() != 0:
            self.skipTest("needs root to drop from")

    def ids_of(self, pid):
        with open(f"/proc/{pid}/status") as f:
            fields = dict(line.split(":", 1) for line in f)
        return ([int(x) for x in fields["Uid"].split()], [int(x) for x in fields["Gid"].split()],
                fields["Groups"].split(), fields["CapEff"].strip())

    def test_root_binds_port_below_1024_then_runs_as_nobody(self):
        nobody = pwd.getpwnam("nobody")
        port = free_port(low=600)
        with Server("--port", str(port), "--user", "nobody", "--group", "nogroup") as server:
            uids, gids, groups, caps = self.ids_of(server.pid)
            self.assertEqual(uids, [nobody.pw_uid] * 4)
            self.assertEqual(gids, [nobody.pw_gid] * 4)
            self.assertEqual(groups, [], "supplementary groups kept")
            self.assertEqual(int(caps, 16), 0, "capabilities kept after the drop")
            self.assertEqual(echo_tcp(port), b"hello")

    def test_only_cap_net_bind_service_is_enough_for_a_low_port(self):
        nobody = pwd.getpwnam("nobody")
        port = free_port(low=600)
        as_nobody = ["setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}",
                     "--clear-groups", "--inh-caps=-all,+net_bind_service",
                     "--ambient-caps=-all,+net_bind_service"]
        with Server("--port", str(port), program=[*as_nobody, BINARY, *ENGINE_ARGS]) as server:
            self.assertEqual(self.ids_of(server.pid)[0], [nobody.pw_uid] * 4)
            self.assertEqual(echo_tcp(port), b"hello")

    def test_unknown_user_and_unprivileged_drop_fail_cleanly(self):
        code, out, err = run_server("--port", "0", "--user", "no-such-user-here")
        self.assertEqual((code, out), (1, ""))
        self.assertEqual(err, "echo-server: --user no-such-user-here: no such user\n")
        nobody = pwd.getpwnam("nobody")
        as_nobody = ["setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}",
                     "--clear-groups"]
        code, out, err = run_server("--port", "0", "--user", "root", user_prefix=as_nobody)
        self.assertEqual((code, out), (1, ""))
        self.assertIn("operation not permitted", err)


if __name__ == "__main__":
    unittest.main()
