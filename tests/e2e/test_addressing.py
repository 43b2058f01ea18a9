"""Addresses: a UDP echo leaves from the address the datagram was sent to, and the
per-source limits (UDP rate, connections per IP) hold per exact client address."""
import json
import os
import shutil
import socket
import subprocess
import unittest

from harness import SLOW, Server, metric, parse_metrics, scrape, wait_until

METRICS = ["--metrics", "tcp://127.0.0.1:0"]


def udp_echo(dest, port, payload=b"where from?", family=socket.AF_INET, source=None):
    """Sends `payload` to (dest, port) from a plain socket; returns (data, reply source)."""
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        s.settimeout(5 * SLOW)
        if source:
            s.bind((source, 0))
        s.sendto(payload, (dest, port))
        data, peer = s.recvfrom(65536)
        return data, peer[:2]


class WildcardReplySourceTest(unittest.TestCase):
    def test_ipv4_wildcard_answers_from_each_address_used(self):
        with Server("--listen", "udp://0.0.0.0:0", "--threads", "1") as server:
            for dest in ("127.0.0.1", "127.0.0.2", "127.0.0.3"):
                data, peer = udp_echo(dest, server.port)
                self.assertEqual(data, b"where from?")
                self.assertEqual(peer, (dest, server.port), f"sent to {dest}")

    def test_a_specific_address_still_answers(self):
        with Server("--listen", "udp://127.0.0.2:0", "--threads", "1") as server:
            data, peer = udp_echo("127.0.0.2", server.port)
            self.assertEqual((data, peer), (b"where from?", ("127.0.0.2", server.port)))

    def test_dual_stack_answers_ipv4_clients_from_the_address_used(self):
        with Server("--listen", "udp://[::]:0", "--threads", "1") as server:
            data, peer = udp_echo("127.0.0.2", server.port)
            self.assertEqual((data, peer), (b"where from?", ("127.0.0.2", server.port)))

    @unittest.skipUnless(shutil.which("socat"), "needs socat")
    def test_a_connected_client_gets_its_echo(self):
        # socat's UDP: connects its socket, so the kernel drops a reply from any other
        # source than 127.0.0.2: the client, not this test, judges the address.
        with Server("--listen", "udp://0.0.0.0:0", "--threads", "1") as server:
            p = subprocess.run(["socat", "-t", str(2 * SLOW), "-", f"UDP:127.0.0.2:{server.port}"],
                               input=b"hello over udp\n", capture_output=True, timeout=20 * SLOW)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(p.stdout, b"hello over udp\n")


# Run inside the namespace: sends to each address given and prints where each reply
# came from, as JSON.
NS_CLIENT = r"""
import json, socket, sys
port, out = int(sys.argv[1]), {}
for dest in sys.argv[2:]:
    family = socket.AF_INET6 if ":" in dest else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        s.settimeout(5)
        # From the first address, so a reply sourced by routing alone would come
        # from it rather than from the address this one was sent to.
        s.bind(("::1" if family == socket.AF_INET6 else "127.0.0.1", 0))
        s.sendto(b"ping", (dest, port))
        data, peer = s.recvfrom(100)
        out[dest] = [data.decode(), peer[0], peer[1]]
print(json.dumps(out))
"""


class Ipv6ReplySourceTest(unittest.TestCase):
    """IPv6 in a network namespace of our own: ::2 exists nowhere else, and the
    namespace is removed whatever happens."""

    def setUp(self):
        if os.geteuid() != 0 or not shutil.which("ip"):
            self.skipTest("needs root and ip(8) for a network namespace")
        self.ns = f"echo-addr-{os.getpid()}"
        add = subprocess.run(["ip", "netns", "add", self.ns], capture_output=True, text=True)
        if add.returncode != 0:
            self.skipTest(f"ip netns add: {add.stderr.strip()}")
        self.addCleanup(subprocess.run, ["ip", "netns", "delete", self.ns], check=False)
        for cmd in (["link", "set", "lo", "up"], ["addr", "add", "::2/128", "dev", "lo", "nodad"]):
            subprocess.run(["ip", "-n", self.ns, *cmd], check=True, capture_output=True)

    def replies(self, port, *dests):
        p = subprocess.run(["ip", "netns", "exec", self.ns, "/usr/bin/python3", "-c", NS_CLIENT,
                            str(port), *dests], capture_output=True, text=True, timeout=30 * SLOW)
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout)

    def test_ipv6_wildcard_answers_from_each_address_used(self):
        with Server("--listen", "udp://[::]:0", "--threads", "1",
                    user_prefix=["ip", "netns", "exec", self.ns]) as server:
            got = self.replies(server.port, "::1", "::2", "127.0.0.1", "127.0.0.2")
        self.assertEqual(got["::1"], ["ping", "::1", server.port])
        self.assertEqual(got["::2"], ["ping", "::2", server.port])
        self.assertEqual(got["127.0.0.2"], ["ping", "127.0.0.2", server.port],
                         "v4-mapped traffic on the dual-stack socket")
        self.assertEqual(got["127.0.0.1"], ["ping", "127.0.0.1", server.port])


class PerSourceLimitsTest(unittest.TestCase):
    def test_udp_rate_limit_holds_for_alternating_neighbours(self):
        # 127.0.0.1 and 127.0.0.2 once shared a bucket that each took over full.
        sent, burst = 200, 10
        with Server("--listen", "udp://127.0.0.1:0", "--threads", "1", "--udp-rate-limit", "10",
                    "--udp-burst", str(burst), *METRICS, expect_lines=2) as server:
            socks = []
            for source in ("127.0.0.1", "127.0.0.2"):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.bind((source, 0))
                s.setblocking(False)
                socks.append(s)
            try:
                for i in range(sent):
                    socks[i % 2].sendto(b"%d" % i, ("127.0.0.1", server.port))

                def judged():
                    m = parse_metrics(scrape(server.urls[-1])[1])
                    return metric(m, "echo_received_messages_total") == sent and (
                        metric(m, "echo_sent_messages_total") +
                        metric(m, "echo_datagrams_dropped_total")) == sent and m
                m = wait_until(judged, 10, f"the server to judge all {sent} datagrams")
                answered = [self.drain(s) for s in socks]
            finally:
                for s in socks:
                    s.close()
        self.assertEqual(sum(answered), metric(m, "echo_sent_messages_total"))
        for source, n in zip(("127.0.0.1", "127.0.0.2"), answered):
            self.assertGreaterEqual(n, burst, f"{source} did not get its burst")
            self.assertLessEqual(n, 2 * burst + 2, f"{source} got {n} of {sent // 2} answered")
        self.assertGreater(metric(m, "echo_datagrams_dropped_total", reason="rate_limited"), 0)

    @staticmethod
    def drain(sock):
        """Replies already queued on `sock` (the server counted them sent)."""
        n = 0
        while True:
            try:
                sock.recv(100)
            except BlockingIOError:
                return n
            n += 1

    def test_connections_per_ip_count_each_address_apart(self):
        with Server("--listen", "tcp://127.0.0.1:0", "--max-connections-per-ip", "1", *METRICS,
                    expect_lines=2) as server:
            def connect_from(source):
                s = socket.create_connection(("127.0.0.1", server.port), timeout=10 * SLOW,
                                             source_address=(source, 0))
                return s

            # Each echoed before the next connects: with two loops, a later connection
            # could otherwise be accepted first and take the place.
            first = connect_from("127.0.0.1")
            opened = [first]
            try:
                for source in ("127.0.0.2", None):
                    s = opened[-1]
                    s.sendall(b"ping")
                    self.assertEqual(s.recv(10), b"ping")
                    if source:
                        opened.append(connect_from(source))
                over = connect_from("127.0.0.1")
                opened.append(over)
                try:
                    closed = over.recv(10) == b""
                except ConnectionResetError:
                    closed = True
                self.assertTrue(closed, "a second connection from 127.0.0.1 was kept")
                refused = metric(parse_metrics(scrape(server.urls[-1])[1]),
                                 "echo_connections_refused_total", reason="max_connections_per_ip")
                self.assertEqual(refused, 1)
            finally:
                for s in opened:
                    s.close()


if __name__ == "__main__":
    unittest.main()
