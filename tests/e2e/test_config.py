"""--config FILE (TOML) and ECHO_SERVER_<OPTION> variables on the real binary: the
listeners it announces and the log lines it writes show which source won (command
line over environment over file), and bad input from each source is one line naming
it, exit 2."""
import json
import os
import socket
import subprocess
import tempfile
import unittest

from harness import BINARY, ENGINE_ARGS, SLOW, Server
from test_operations import echo_once



def fleet_file(unix_name):
    # Each test its own abstract name: under io_uring the kernel may release a stopped
    # server's listener a moment after the process is gone.
    return f"""# a fleet's settings
listen = ["tcp://127.0.0.1:0", "unix:@{unix_name}"]
log-format = "json"
log_level = "debug"   # a key may spell - as _
"""


def unix_name(test):
    return f"echo-config-{os.getpid()}-{test.id().rsplit('.', 1)[-1]}"


def config_file(text):
    f = tempfile.NamedTemporaryFile("w", prefix="echo-config-", suffix=".toml")
    f.write(text)
    f.flush()
    return f


def echo_over(sock, payload=b"which one?"):
    with sock:
        sock.settimeout(10 * SLOW)
        return echo_once(sock, payload)


def tcp_echo(url, payload=b"which one?"):
    host, port = url.removeprefix("tcp://").rsplit(":", 1)
    return echo_over(socket.create_connection((host, int(port)), timeout=10 * SLOW), payload)


def unix_echo(name, payload=b"which one?"):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect("\0" + name)
    return echo_over(s, payload)


class PrecedenceTest(unittest.TestCase):
    def test_the_file_alone_gives_its_listener_list_and_log_format(self):
        name = unix_name(self)
        with config_file(fleet_file(name)) as f, Server("--config", f.name,
                                                        expect_lines=2) as server:
            self.assertTrue(server.urls[0].startswith("tcp://127.0.0.1:"), server.urls)
            self.assertEqual(server.urls[1], f"unix:@{name}")
            self.assertEqual(tcp_echo(server.urls[0]), b"which one?")
            self.assertEqual(unix_echo(name), b"which one?")
            server.wait_log('"event":"closed"')
            records = [json.loads(line) for line in server.stderr().splitlines()]
        self.assertTrue(any(r["event"] == "connected" for r in records), records)

    def test_variables_beat_the_file(self):
        env = {"ECHO_SERVER_LISTEN": "tcp://127.0.0.2:0", "ECHO_SERVER_LOG_FORMAT": "text"}
        with config_file(fleet_file(unix_name(self))) as f, \
                Server("--config", f.name, env=env) as server:
            self.assertEqual(len(server.urls), 1, "the variable's list replaces the file's")
            self.assertTrue(server.urls[0].startswith("tcp://127.0.0.2:"), server.urls)
            self.assertEqual(tcp_echo(server.urls[0]), b"which one?")
            server.wait_log("connected by ")
            self.assertFalse(server.stderr().startswith("{"), server.stderr())

    def test_the_command_line_beats_both(self):
        # The file names the listeners, the environment names others and asks for
        # debug logs; the command line's listener and --quiet win.
        env = {"ECHO_SERVER_LISTEN": "tcp://127.0.0.2:0", "ECHO_SERVER_LOG_LEVEL": "debug"}
        with config_file(fleet_file(unix_name(self))) as f:
            server = Server("--config", f.name, "--listen", "tcp://127.0.0.3:0", "--quiet",
                            env=env)
            with server:
                self.assertEqual(len(server.urls), 1, server.urls)
                self.assertTrue(server.urls[0].startswith("tcp://127.0.0.3:"), server.urls)
                self.assertEqual(tcp_echo(server.urls[0]), b"which one?")
            self.assertEqual(server.proc.returncode, 0)
            # A connection and a stop logged nothing: errors only.
            self.assertEqual(server.stderr(), "")

    def test_the_environment_may_name_the_file(self):
        name = unix_name(self)
        with config_file(fleet_file(name)) as f, Server(env={"ECHO_SERVER_CONFIG": f.name},
                                                        expect_lines=2) as server:
            self.assertEqual(server.urls[1], f"unix:@{name}")


def run(*args, env=None):
    p = subprocess.run([BINARY, *ENGINE_ARGS, *args], capture_output=True, text=True,
                       stdin=subprocess.DEVNULL, timeout=10 * SLOW,
                       env={**os.environ, **(env or {})})
    return p.returncode, p.stdout, p.stderr


class BadInputTest(unittest.TestCase):
    def assert_usage_error(self, result, *named):
        code, out, err = result
        self.assertEqual(code, 2, err)
        self.assertEqual(out, "")
        lines = err.splitlines()
        self.assertEqual(len(lines), 2, err)
        self.assertTrue(lines[0].startswith("echo-server: "), err)
        for text in named:
            self.assertIn(text, lines[0])
        self.assertIn("Try 'echo-server --help'", lines[1])

    def test_an_unknown_key_names_the_file_and_the_key(self):
        with config_file('port = 0\nmax_bufer = "1MiB"\n') as f:
            self.assert_usage_error(run("--config", f.name), f.name, "unknown key 'max_bufer'")

    def test_a_bad_value_in_the_file_names_the_file_and_the_key(self):
        with config_file("port = 70000\n") as f:
            self.assert_usage_error(run("--config", f.name), f"{f.name}: port: ")

    def test_an_unreadable_file_is_named(self):
        missing = os.path.join(tempfile.gettempdir(), f"echo-config-missing-{os.getpid()}.toml")
        self.assert_usage_error(run("--config", missing), missing, "No such file or directory")
        self.assert_usage_error(run("--config", tempfile.gettempdir()), "not a regular file")

    def test_a_bad_variable_is_named(self):
        self.assert_usage_error(run(env={"ECHO_SERVER_PORT": "http"}), "ECHO_SERVER_PORT=http")
        self.assert_usage_error(run(env={"ECHO_SERVER_QUIET": "maybe"}), "ECHO_SERVER_QUIET")

    def test_control_bytes_in_a_variable_stay_on_one_line(self):
        # A line feed or an escape sequence from the environment or a config key would
        # split the one-line error or reach the terminal: both come out as \xHH.
        self.assert_usage_error(run(env={"ECHO_SERVER_PORT": "1\n2\x1b[2J"}),
                                "ECHO_SERVER_PORT=1\\x0a2\\x1b[2J")
        with config_file('port = 0\nbad\x1bkey = 1\n') as f:
            self.assert_usage_error(run("--config", f.name), "bad\\x1bkey")


if __name__ == "__main__":
    unittest.main()
