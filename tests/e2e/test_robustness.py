"""Misbehaving peers: resets mid-echo, a client that never reads, and more
clients than the server has descriptors."""
import hashlib
import os
import resource
import socket
import struct
import threading
import time
import unittest

from harness import SANITIZED, Server, echo_while_sending, exchange_many, wait_until

MiB = 1 << 20


def reset(sock):
    """Closes with an RST instead of a FIN (SO_LINGER 0)."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


class ResetTest(unittest.TestCase):
    def test_resetting_clients_drop_only_themselves(self):
        with Server("--port", "0", "--threads", "2") as server:
            with server.connect() as s:  # let lazily-made state settle first
                self.assertEqual(echo_while_sending(s, b"warm"), b"warm")
            wait_until(lambda: "closed" in server.stderr(), 10, "the warm-up close")
            baseline = server.fd_count()
            socks = [server.connect() for _ in range(200)]
            for s in socks:
                s.sendall(os.urandom(256 * 1024))  # echo data now in flight
            with server.connect() as bystander:
                for s in socks:
                    reset(s)
                payload = os.urandom(MiB)
                self.assertEqual(echo_while_sending(bystander, payload), payload)
            wait_until(lambda: server.fd_count() == baseline, 20,
                       f"descriptors back to {baseline}")
            with server.connect() as s:
                self.assertEqual(echo_while_sending(s, b"after"), b"after")


class SlowReaderTest(unittest.TestCase):
    def test_memory_stays_bounded_then_every_byte_returns(self):
        total = 256 * MiB
        block = os.urandom(MiB)
        with Server("--port", "0", "--threads", "1") as server:
            with server.connect(timeout=120) as s:
                self.assertEqual(echo_while_sending(s, b"warm"), b"warm")
                rss_before = server.rss_bytes()
                sent_hash = hashlib.sha256()

                def pusher():
                    for i in range(total // MiB):
                        data = bytes([i & 0xff]) + block[1:]  # no two MiB alike
                        sent_hash.update(data)
                        s.sendall(data)

                t = threading.Thread(target=pusher)
                t.start()
                # The scenario itself: nobody reads for four seconds.
                time.sleep(4)
                growth = server.rss_bytes() - rss_before
                got_hash, got = hashlib.sha256(), 0
                while got < total:
                    data = s.recv(4 * MiB)
                    self.assertTrue(data, f"server closed after {got} bytes")
                    got_hash.update(data)
                    got += len(data)
                t.join()
        self.assertEqual(got_hash.hexdigest(), sent_hash.hexdigest())
        if not SANITIZED:  # ASan's own shadow memory and quarantine would dominate
            self.assertLess(growth, 16 * MiB, f"RSS grew by {growth / MiB:.1f} MiB")


class OutOfDescriptorsTest(unittest.TestCase):
    def test_no_spin_and_recovery(self):
        limit = 64

        def low_nofile():
            resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

        with Server("--port", "0", "--threads", "1", "--backlog", "512",
                    preexec_fn=low_nofile) as server:
            clients = [socket.create_connection(("127.0.0.1", server.port), timeout=10)
                       for _ in range(3 * limit)]
            server.wait_log("accept: too many open files", 10)
            cpu_before, t0 = server.cpu_seconds(), time.monotonic()
            time.sleep(1.0)  # a measurement window, not a synchronisation
            cpu = server.cpu_seconds() - cpu_before
            wall = time.monotonic() - t0
            self.assertLess(cpu, 0.25 * wall, f"server spun: {cpu:.2f} s CPU in {wall:.2f} s")
            # The accepted ones are still served.
            echoed = exchange_many(clients[:10], [b"early %d" % i for i in range(10)])
            self.assertEqual(echoed, [b"early %d" % i for i in range(10)])
            for c in clients:
                c.close()
            with server.connect() as s:
                self.assertEqual(echo_while_sending(s, b"recovered"), b"recovered")
            self.assertIn("pausing accepts until a descriptor frees up", server.stderr())


if __name__ == "__main__":
    unittest.main()
