"""--listen socket options on the real binary: each one read back with getsockopt
from the server's own socket (the accepted connection, so what Linux copies from the
listener is shown copied, or the listener itself), beside a server without it."""
import os
import shutil
import socket
import unittest

from harness import (Server, echo_while_sending, run_server, server_bound_socket,
                     server_side_socket)

# Option numbers Python's socket module may lack (linux/in.h, linux/tcp.h, asm/socket.h).
SO_MARK = getattr(socket, "SO_MARK", 36)
IP_FREEBIND = getattr(socket, "IP_FREEBIND", 15)
IPV6_FREEBIND = 78
TCP_MAXSEG = socket.TCP_MAXSEG
TCP_CONGESTION = getattr(socket, "TCP_CONGESTION", 13)
TCP_FASTOPEN = getattr(socket, "TCP_FASTOPEN", 23)
TCP_DEFER_ACCEPT = getattr(socket, "TCP_DEFER_ACCEPT", 9)
TCP_USER_TIMEOUT = getattr(socket, "TCP_USER_TIMEOUT", 18)


def sysctl(path):
    with open(f"/proc/sys/{path}") as f:
        return f.read().strip()


def tcp_server(url):
    return Server("--listen", url, "--threads", "1", "--log-level", "warn")


class AcceptedTcpSocketTest(unittest.TestCase):
    """Options set on the listener before bind, read on the connection it accepted."""

    def read_accepted(self, query, read, host="127.0.0.1", url_host=None):
        """Starts a server with `query`, echoes a byte through it, and returns
        read(server's accepted socket, client socket)."""
        url = f"tcp://{url_host or host}:0" + (f"?{query}" if query else "")
        with tcp_server(url) as server, server.connect(host) as c:
            self.assertEqual(echo_while_sending(c, b"x"), b"x")  # accepted and set up
            with server_side_socket(server, c) as s:
                return read(s, c)

    def option(self, query, level, name, host="127.0.0.1", url_host=None):
        return self.read_accepted(query, lambda s, _: s.getsockopt(level, name), host, url_host)

    def test_keepalive_idle_interval_count(self):
        def keepalive(s, _):
            return [s.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE),
                    s.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE),
                    s.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL),
                    s.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT)]
        self.assertEqual(self.read_accepted(None, keepalive)[0], 0)
        self.assertEqual(self.read_accepted("keepalive=11,7,5", keepalive), [1, 11, 7, 5])

    def test_send_and_receive_buffers_doubled_by_the_kernel(self):
        # The kernel stores twice what was asked (for its bookkeeping), capped at
        # net.core.[wr]mem_max; 48 KiB and 40 KiB are below any sane cap.
        def buffers(s, _):
            return [s.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF),
                    s.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)]
        want = [2 * min(49152, int(sysctl("net/core/wmem_max"))),
                2 * min(40960, int(sysctl("net/core/rmem_max")))]
        self.assertNotEqual(self.read_accepted(None, buffers), want)
        self.assertEqual(self.read_accepted("sndbuf=49152&rcvbuf=40960", buffers), want)

    def test_tos_and_dscp(self):
        self.assertEqual(self.option(None, socket.IPPROTO_IP, socket.IP_TOS), 0)
        self.assertEqual(self.option("tos=184", socket.IPPROTO_IP, socket.IP_TOS), 184)
        self.assertEqual(self.option("dscp=10", socket.IPPROTO_IP, socket.IP_TOS), 40)

    def test_dscp_on_ipv6_and_on_the_ipv4_side_of_a_dual_stack_listener(self):
        self.assertEqual(self.option("dscp=46", socket.IPPROTO_IPV6, socket.IPV6_TCLASS,
                                     host="::1", url_host="[::1]"), 184)
        # [::] without ipv6only takes IPv4 too; that connection is marked by IP_TOS.
        self.assertEqual(self.option("dscp=46", socket.IPPROTO_IP, socket.IP_TOS,
                                     url_host="[::]"), 184)

    def test_mss_is_advertised_in_the_syn_ack(self):
        # The client's MSS is what the server's SYN-ACK offered (less TCP options):
        # over loopback it is ~65483 unless the listener clamps it.
        client_mss = lambda _, c: c.getsockopt(socket.IPPROTO_TCP, TCP_MAXSEG)  # noqa: E731
        self.assertGreater(self.read_accepted(None, client_mss), 1000)
        self.assertLessEqual(self.read_accepted("mss=1000", client_mss), 1000)
        self.assertLessEqual(self.option("mss=1000", socket.IPPROTO_TCP, TCP_MAXSEG), 1000)

    def test_congestion_control(self):
        default = sysctl("net/ipv4/tcp_congestion_control")
        others = [n for n in sysctl("net/ipv4/tcp_available_congestion_control").split()
                  if n != default]
        if not others:
            self.skipTest(f"this kernel has no congestion control but {default}")
        name = others[0]

        def cc(s, _):
            return s.getsockopt(socket.IPPROTO_TCP, TCP_CONGESTION, 16).rstrip(b"\0").decode()
        self.assertEqual(self.read_accepted(None, cc), default)
        self.assertEqual(self.read_accepted(f"cc={name}", cc), name)

    def test_user_timeout(self):
        self.assertEqual(self.option(None, socket.IPPROTO_TCP, TCP_USER_TIMEOUT), 0)
        self.assertEqual(self.option("user_timeout=4321", socket.IPPROTO_TCP, TCP_USER_TIMEOUT),
                         4321)

    @unittest.skipUnless(os.geteuid() == 0, "SO_MARK needs CAP_NET_ADMIN; run as root")
    def test_mark(self):
        self.assertEqual(self.option(None, socket.SOL_SOCKET, SO_MARK), 0)
        self.assertEqual(self.option("mark=4294967295", socket.SOL_SOCKET, SO_MARK) & 0xffffffff,
                         4294967295)


class ListenerOnlyTest(unittest.TestCase):
    """Options that belong to the listening socket alone, read there."""

    def listener_option(self, query, level, name, family=socket.AF_INET):
        host = "127.0.0.1" if family == socket.AF_INET else "::1"
        url_host = host if family == socket.AF_INET else f"[{host}]"
        url = f"tcp://{url_host}:0" + (f"?{query}" if query else "")
        with tcp_server(url) as server:
            with server.connect(host) as c:  # it still echoes
                self.assertEqual(echo_while_sending(c, b"x"), b"x")
            address = (host, server.port) if family == socket.AF_INET else (host, server.port, 0, 0)
            with server_bound_socket(server, socket.SOCK_STREAM, address) as s:
                return s.getsockopt(level, name)

    def test_fastopen_queue(self):
        self.assertEqual(self.listener_option(None, socket.IPPROTO_TCP, TCP_FASTOPEN), 0)
        self.assertEqual(self.listener_option("fastopen=17", socket.IPPROTO_TCP, TCP_FASTOPEN),
                         17)

    def test_defer_accept(self):
        # The kernel keeps it as SYN-ACK retransmissions and reads back the seconds
        # those take, so only "on" is exact.
        self.assertEqual(self.listener_option(None, socket.IPPROTO_TCP, TCP_DEFER_ACCEPT), 0)
        self.assertGreater(
            self.listener_option("defer_accept=5", socket.IPPROTO_TCP, TCP_DEFER_ACCEPT), 0)

    def test_freebind_ipv4_and_ipv6(self):
        self.assertEqual(self.listener_option(None, socket.IPPROTO_IP, IP_FREEBIND), 0)
        self.assertEqual(self.listener_option("freebind=1", socket.IPPROTO_IP, IP_FREEBIND), 1)
        self.assertEqual(self.listener_option("freebind=1", socket.IPPROTO_IPV6, IPV6_FREEBIND,
                                              socket.AF_INET6), 1)

    def test_freebind_binds_an_address_no_interface_has(self):
        # 192.0.2.1 and 2001:db8::1 are documentation addresses (RFC 5737, 3849):
        # nothing here has them, and nothing is sent to them.
        for host, sysctl_path in (("192.0.2.1", "net/ipv4/ip_nonlocal_bind"),
                                  ("[2001:db8::1]", "net/ipv6/ip_nonlocal_bind")):
            with self.subTest(host=host):
                if sysctl(sysctl_path) != "0":
                    self.skipTest(f"{sysctl_path} lets any socket bind a foreign address")
                url = f"tcp://{host}:0"
                code, out, err = run_server("--listen", url, "--threads", "1")
                self.assertEqual(code, 1, err)
                self.assertEqual(out, "")
                self.assertIn("no interface of this machine has that address", err)
                with tcp_server(url + "?freebind=1") as server:
                    self.assertTrue(server.urls[0].startswith(f"tcp://{host}:"), server.urls)
                    self.assertNotEqual(server.port, 0)


class UdpSocketTest(unittest.TestCase):
    def test_buffers_tos_mark_freebind(self):
        def read(query):
            url = "udp://127.0.0.1:0" + (f"?{query}" if query else "")
            with Server("--listen", url, "--threads", "1", "--log-level", "warn") as server, \
                    socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as c:
                c.settimeout(10)
                c.sendto(b"ping", ("127.0.0.1", server.port))
                self.assertEqual(c.recvfrom(64)[0], b"ping")
                with server_bound_socket(server, socket.SOCK_DGRAM,
                                         ("127.0.0.1", server.port)) as s:
                    return [s.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF),
                            s.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF),
                            s.getsockopt(socket.IPPROTO_IP, socket.IP_TOS),
                            s.getsockopt(socket.SOL_SOCKET, SO_MARK),
                            s.getsockopt(socket.IPPROTO_IP, IP_FREEBIND)]
        want = [2 * min(49152, int(sysctl("net/core/wmem_max"))),
                2 * min(40960, int(sysctl("net/core/rmem_max"))), 184, 5, 1]
        plain = read(None)
        # Without ?rcvbuf the server asks 4 MiB for itself; the URL's value wins.
        self.assertEqual(plain[1], 2 * min(4 << 20, int(sysctl("net/core/rmem_max"))))
        self.assertEqual(plain[2:], [0, 0, 0])
        query = "sndbuf=49152&rcvbuf=40960&dscp=46&freebind=1"
        if os.geteuid() == 0:
            query += "&mark=5"
        else:
            want[3] = 0
        self.assertEqual(read(query), want)


class BadOptionsTest(unittest.TestCase):
    def test_bad_values_exit_2_naming_the_url_and_the_key(self):
        for url, key in (("tcp://127.0.0.1:0?keepalive=0,1,1", "keepalive"),
                         ("tcp://127.0.0.1:0?mss=70000", "mss"),
                         ("tcp://127.0.0.1:0?tos=1&dscp=1", "dscp"),
                         ("tcp://127.0.0.1:0?cc=no/such", "cc"),
                         ("udp://127.0.0.1:0?fastopen=5", "fastopen"),
                         ("unix:@echo-sockopt-test?mark=1", "mark")):
            with self.subTest(url=url):
                code, out, err = run_server("--listen", url)
                self.assertEqual(code, 2, err)
                self.assertEqual(out, "")
                first = err.splitlines()[0]
                self.assertTrue(first.startswith(f"echo-server: --listen '{url}': "), err)
                self.assertIn(key, first.split("': ", 1)[1])

    def test_congestion_control_this_kernel_lacks(self):
        url = "tcp://127.0.0.1:0?cc=nosuchcc"
        code, out, err = run_server("--listen", url)
        self.assertEqual((code, out), (1, ""), err)
        self.assertEqual(len(err.splitlines()), 1, err)
        self.assertIn(f"--listen '{url}': setsockopt TCP_CONGESTION=nosuchcc", err)
        self.assertIn(sysctl("net/ipv4/tcp_available_congestion_control"), err)

    @unittest.skipUnless(os.geteuid() == 0 and shutil.which("setpriv"),
                         "dropping CAP_NET_ADMIN needs root and setpriv")
    def test_mark_without_cap_net_admin(self):
        url = "tcp://127.0.0.1:0?mark=7"
        # Out of the bounding set, root's exec keeps neither capability SO_MARK takes.
        code, out, err = run_server("--listen", url, user_prefix=(
            "setpriv", "--bounding-set", "-net_admin,-net_raw"))
        self.assertEqual((code, out), (1, ""), err)
        self.assertEqual(err.splitlines(),
                         [f"echo-server: --listen '{url}': setsockopt SO_MARK=7: "
                          "operation not permitted (needs CAP_NET_ADMIN)"])


if __name__ == "__main__":
    unittest.main()
