"""The echo itself: the tutorial's exchange, exact payloads, many clients at
once, half-close, and real clients (ncat, socat) as peers."""
import os
import socket
import subprocess
import unittest

from harness import Server, echo_while_sending, exchange_many, wait_until


class EchoTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server("--port", "0", "--threads", "2")

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_tutorial_client_exchange(self):
        # The tutorial's client, line for line: connect, sendall, recv(1024).
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.connect(("127.0.0.1", self.server.port))
            s.sendall(b"Hello, world")
            data = s.recv(1024)
        self.assertEqual(data, b"Hello, world")

    def test_listening_line_names_the_real_port(self):
        self.assertEqual(self.server.lines, [f"listening on tcp://127.0.0.1:{self.server.port}"])
        self.assertNotEqual(self.server.port, 0)

    def test_exact_echo_of_random_payloads(self):
        for size in (1, 1023, 1024, 1 << 20, 16 << 20):
            with self.subTest(size=size), self.server.connect() as s:
                payload = os.urandom(size)
                self.assertEqual(echo_while_sending(s, payload), payload)

    def test_500_concurrent_clients_get_their_own_bytes(self):
        socks = [self.server.connect() for _ in range(500)]
        try:
            payloads = [os.urandom(1 + (i * 7919) % 40000) for i in range(500)]
            echoed = exchange_many(socks, payloads)
            mixed = [i for i, (p, e) in enumerate(zip(payloads, echoed)) if p != e]
            self.assertEqual(mixed, [], "clients got bytes that were not theirs")
        finally:
            for s in socks:
                s.close()

    def test_half_close_echoes_everything_then_eof(self):
        payload = os.urandom(1 << 20)
        with self.server.connect() as s:
            s.sendall(payload)
            s.shutdown(socket.SHUT_WR)
            got = bytearray()
            while data := s.recv(1 << 20):
                got += data
        self.assertEqual(bytes(got), payload)

    def test_logs_each_connection_and_its_close(self):
        with self.server.connect() as s:
            port = s.getsockname()[1]
            s.sendall(b"x" * 12)
            self.assertEqual(s.recv(64), b"x" * 12)
        self.server.wait_log(f"connected by 127.0.0.1:{port}")
        self.server.wait_log(f"closed 127.0.0.1:{port} (closed by peer): echoed 12 bytes in ")

    def _through(self, command):
        payload = os.urandom(256 * 1024)
        p = subprocess.run(command, input=payload, capture_output=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, payload)

    def test_ncat_as_peer(self):
        self._through(["ncat", "127.0.0.1", str(self.server.port)])

    def test_socat_as_peer(self):
        self._through(["socat", "-t", "10", "-", f"TCP:127.0.0.1:{self.server.port}"])


class AddressTest(unittest.TestCase):
    def test_ipv6_literal_is_bracketed(self):
        with Server("--host", "::1", "--port", "0") as server:
            self.assertEqual(server.urls, [f"tcp://[::1]:{server.port}"])
            with socket.create_connection(("::1", server.port), timeout=10) as s:
                self.assertEqual(echo_while_sending(s, b"six"), b"six")

    def test_empty_host_means_all_ipv4_interfaces(self):
        with Server("--host", "", "--port", "0") as server:
            self.assertEqual(server.urls, [f"tcp://0.0.0.0:{server.port}"])
            with socket.create_connection(("127.0.0.2", server.port), timeout=10) as s:
                self.assertEqual(echo_while_sending(s, b"any"), b"any")

    def test_hostname_binds_every_address(self):
        addresses = sorted({ai[4][0] for ai in socket.getaddrinfo(
            "localhost", None, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)})
        with Server("--host", "localhost", "--port", "0",
                    expect_lines=len(addresses)) as server:
            hosts = sorted(url.removeprefix("tcp://").rsplit(":", 1)[0].strip("[]")
                           for url in server.urls)
            self.assertEqual(hosts, addresses)
            ports = {url.rsplit(":", 1)[1] for url in server.urls}
            self.assertEqual(len(ports), 1, "every address shares the chosen port")

    def test_threads_share_one_port(self):
        with Server("--port", "0", "--threads", "3") as server:
            wait_until(lambda: len(os.listdir(f"/proc/{server.pid}/task")) >= 4, 5,
                       "three event-loop threads")
            socks = [server.connect() for _ in range(30)]
            try:
                echoed = exchange_many(socks, [b"%d" % i for i in range(30)])
                self.assertEqual(echoed, [b"%d" % i for i in range(30)])
            finally:
                for s in socks:
                    s.close()


if __name__ == "__main__":
    unittest.main()
