#!/usr/bin/env python3
"""Hostile TLS peers against a real echo-server on 127.0.0.1, with the server's RSS
and an honest client's round-trip latency measured beside each attack. Every loop
is bounded in count and time; the server is stopped by its PID.

Usage: ECHO_SERVER=build/release/echo-server tests/attack/tls_attacks.py [--engine E] [ATTACK...]
Needs /tmp/tls_peer (cc tests/attack/tls_peer.c -o /tmp/tls_peer -lssl -lcrypto)."""
import argparse
import os
import socket
import ssl
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
import harness  # noqa: E402
from tls_material import Pki  # noqa: E402

PEER = os.environ.get("TLS_PEER", "/tmp/tls_peer")
MATERIAL = tempfile.mkdtemp(prefix="echo-attack-")
PKI = Pki(MATERIAL)
CERT, KEY = PKI.server("localhost", serial=0x1001)
MIB = 1024 * 1024


def url(extra=""):
    return f"tls://127.0.0.1:0?cert={CERT}&key={KEY}{extra}"


def client_ctx():
    return ssl.create_default_context(cafile=PKI.ca_cert)


def settled_rss(server, timeout=10):
    """RSS once it stops moving for 0.3 s (bounded by `timeout`)."""
    last, stable_since = server.rss_bytes(), time.monotonic()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(0.05)
        now = server.rss_bytes()
        if abs(now - last) > 64 * 1024:
            last, stable_since = now, time.monotonic()
        elif time.monotonic() - stable_since > 0.3:
            break
    return last


class Honest:
    """One established TLS connection doing 64-byte round trips, timed."""

    def __init__(self, port):
        raw = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.t = client_ctx().wrap_socket(raw, server_hostname="localhost")
        self.samples = []

    def round_trips(self, count, seconds):
        deadline = time.monotonic() + seconds
        for _ in range(count):
            if time.monotonic() > deadline:
                break
            start = time.monotonic()
            self.t.sendall(b"h" * 64)
            got = b""
            while len(got) < 64:
                got += self.t.recv(64 - len(got))
            self.samples.append(time.monotonic() - start)
        return self

    def report(self):
        s = sorted(self.samples)
        if not s:
            return "no samples"
        return (f"honest rtt n={len(s)} p50={s[len(s) // 2] * 1e3:.2f} ms "
                f"p99={s[int(len(s) * 0.99)] * 1e3:.2f} ms max={s[-1] * 1e3:.2f} ms")


def handshake_rtt(port, count=20):
    """A full handshake plus one echo, `count` times: the worst and the median, ms."""
    times = []
    for _ in range(count):
        start = time.monotonic()
        raw = socket.create_connection(("127.0.0.1", port), timeout=10)
        with client_ctx().wrap_socket(raw, server_hostname="localhost") as t:
            t.sendall(b"x")
            assert t.recv(1) == b"x"
        times.append(time.monotonic() - start)
    return f"honest handshake+echo median={statistics.median(times) * 1e3:.1f} ms max={max(times) * 1e3:.1f} ms"


def hello_prefix(declared):
    """A record carrying only a handshake header: a ClientHello of `declared` bytes."""
    body = b"\x01" + declared.to_bytes(3, "big")
    return b"\x16\x03\x01" + struct.pack(">H", len(body)) + body


def held_connections(port, count, first_bytes):
    socks = []
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        if first_bytes:
            s.sendall(first_bytes)
        socks.append(s)
    return socks


def attack_stalled_hellos(engine, count=1000):
    """Stalled handshakes: per-connection RSS when the peer sent nothing, 1 byte, or a
    handshake header announcing a 128 KiB ClientHello."""
    for label, first in [("nothing", b""), ("1 byte", b"\x16"),
                         ("hello header 131000", hello_prefix(131000))]:
        with harness.Server("--listen", url("&handshake_timeout=30&handshakes_per_ip=0"), "--log-level", "warn",
                            *engine, expect_lines=1) as server:
            base = settled_rss(server)
            socks = held_connections(server.port, count, first)
            rss = settled_rss(server)
            lat = handshake_rtt(server.port)
            print(f"stalled[{label}] x{count}: RSS {base / MIB:.1f} -> {rss / MIB:.1f} MiB "
                  f"({(rss - base) / count / 1024:.1f} KiB/conn); {lat}")
            for s in socks:
                s.close()


def attack_idle_established(engine, count=1000):
    """Idle connections after a completed handshake: what each one keeps."""
    with harness.Server("--listen", url(), "--log-level", "warn", *engine,
                        expect_lines=1) as server:
        base = settled_rss(server)
        conns = []
        for _ in range(count):
            raw = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            t = client_ctx().wrap_socket(raw, server_hostname="localhost")
            t.sendall(b"x")
            assert t.recv(1) == b"x"
            conns.append(t)
        rss = settled_rss(server)
        print(f"idle established x{count}: RSS {base / MIB:.1f} -> {rss / MIB:.1f} MiB "
              f"({(rss - base) / count / 1024:.1f} KiB/conn)")
        for t in conns:
            t.close()


def attack_non_reader(engine, total=64 * MIB):
    """Sends `total` bytes over TLS and never reads the echo."""
    with harness.Server("--listen", url(), "--log-level", "warn", *engine,
                        expect_lines=1) as server:
        base = settled_rss(server)
        raw = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        t = client_ctx().wrap_socket(raw, server_hostname="localhost")
        t.settimeout(3)
        sent = 0
        block = os.urandom(16384)
        try:
            while sent < total:
                sent += t.send(block)
        except (socket.timeout, ssl.SSLError, OSError):
            pass
        rss = settled_rss(server)
        honest = Honest(server.port).round_trips(200, 10)
        print(f"non-reader: sent {sent / MIB:.1f} MiB before blocking; RSS {base / MIB:.1f} -> "
              f"{rss / MIB:.1f} MiB; {honest.report()}")
        raw.close()


def run_peer(port, mode, count, reads, seconds, hold=0):
    args = [PEER, str(port), mode, str(count), reads, str(seconds)] + ([str(hold)] if hold else [])
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def attack_post_handshake(engine, mode, reads, count=200000, seconds=8):
    with harness.Server("--listen", url(), "--log-level", "warn", *engine,
                        expect_lines=1) as server:
        base = settled_rss(server)
        cpu0 = server.cpu_seconds()
        honest = Honest(server.port)
        peer = run_peer(server.port, mode, count, reads, seconds, hold=3)
        honest.round_trips(100000, seconds)
        rss = settled_rss(server)
        try:
            out, err = peer.communicate(timeout=seconds + 20)
        except subprocess.TimeoutExpired:
            peer.kill()
            out, err = peer.communicate()
        print(f"{mode}/{reads}: {out.strip()} {err.strip()[:160]}; RSS {base / MIB:.1f} -> "
              f"{rss / MIB:.1f} MiB; server cpu {server.cpu_seconds() - cpu0:.2f} s; "
              f"{honest.report()}")


def attack_handshake_flood(engine, threads=8, seconds=8):
    """`threads` clients doing full handshakes back to back beside an honest one."""
    with harness.Server("--listen", url(), "--log-level", "warn", *engine,
                        expect_lines=1) as server:
        quiet = Honest(server.port).round_trips(300, 5)
        stop = time.monotonic() + seconds
        done = [0]

        def flood():
            ctx = client_ctx()
            while time.monotonic() < stop:
                raw = socket.create_connection(("127.0.0.1", server.port), timeout=10)
                try:
                    with ctx.wrap_socket(raw, server_hostname="localhost"):
                        done[0] += 1
                except (ssl.SSLError, OSError):
                    pass

        workers = [threading.Thread(target=flood) for _ in range(threads)]
        for w in workers:
            w.start()
        honest = Honest(server.port).round_trips(100000, seconds - 1)
        for w in workers:
            w.join()
        print(f"handshake flood x{threads} threads: {done[0]} handshakes in {seconds} s; quiet "
              f"{quiet.report()}; during flood {honest.report()}")


def hello_with(sni=None, alpn=None):
    """A TLS 1.3 ClientHello with a raw SNI and a raw ALPN list (bytes as given)."""
    exts = b""

    def ext(kind, data):
        return struct.pack(">HH", kind, len(data)) + data
    if sni is not None:
        entry = b"\x00" + struct.pack(">H", len(sni)) + sni
        exts += ext(0, struct.pack(">H", len(entry)) + entry)
    if alpn is not None:
        lst = b"".join(bytes([len(a)]) + a for a in alpn)
        exts += ext(16, struct.pack(">H", len(lst)) + lst)
    exts += ext(43, b"\x02\x03\x04")  # supported_versions: TLS 1.3
    exts += ext(10, b"\x00\x02\x00\x1d")  # groups: x25519
    exts += ext(13, b"\x00\x02\x04\x03")  # signature algorithms: ecdsa_secp256r1_sha256
    exts += ext(51, b"\x00\x24\x00\x1d\x00\x20" + os.urandom(32))  # key_share
    body = (b"\x03\x03" + os.urandom(32) + b"\x20" + os.urandom(32) + b"\x00\x02\x13\x01" +
            b"\x01\x00" + struct.pack(">H", len(exts)) + exts)
    msg = b"\x01" + len(body).to_bytes(3, "big") + body
    return b"\x16\x03\x01" + struct.pack(">H", len(msg)) + msg


def attack_log_injection(engine):
    """SNI and ALPN bytes chosen by the client, in the text and the JSON log."""
    for fmt in ("text", "json"):
        with harness.Server("--listen", url(), "--log-level", "info", "--log-format", fmt,
                            *engine, expect_lines=1) as server:
            s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            s.sendall(hello_with(sni=b"evil\nFORGED closed 10.0.0.1\xff", alpn=[b"h2\n\"x\xfe"]))
            s.settimeout(5)
            try:
                s.recv(65536)  # ServerHello...; the handshake cannot finish (no client keys)
            except OSError:
                pass
            s.close()
            harness.wait_until(lambda: b"closed" in open(server.log.name, "rb").read(), 5,
                               "the close logged")
            print(f"log[{fmt}]:", open(server.log.name, "rb").read()[-600:])


ATTACKS = {
    "stalled": attack_stalled_hellos,
    "idle": attack_idle_established,
    "nonreader": attack_non_reader,
    "keyupdate": lambda e: attack_post_handshake(e, "keyupdate", "noread"),
    "keyupdate-read": lambda e: attack_post_handshake(e, "keyupdate", "read"),
    "tiny": lambda e: attack_post_handshake(e, "tiny", "noread"),
    "tiny-read": lambda e: attack_post_handshake(e, "tiny", "read"),
    "reneg": lambda e: attack_post_handshake(e, "reneg", "read"),
    "flood": attack_handshake_flood,
    "log": attack_log_injection,
}

def bench(port, seconds=5):
    """echo-bench as the honest client: 4 TLS connections, latency percentiles (us)."""
    bench_bin = os.environ.get("ECHO_BENCH", "echo-bench")
    p = subprocess.run([bench_bin, "--json", "--no-live", f"tls://127.0.0.1:{port}", "--ca",
                        PKI.ca_cert, "--sni", "localhost", "--conns", "4", "-d", str(seconds),
                        "-w", "0.5"], capture_output=True, text=True, timeout=seconds + 30)
    return p.stdout.strip()[:600] or p.stderr.strip()[:300]


def attack_flood_vs_bench(engine, floods=2, seconds=6, extra=()):
    """`floods` openssl s_time processes doing full handshakes back to back, with
    echo-bench measuring an honest client's latency before and during."""
    with harness.Server("--listen", url(), "--log-level", "warn", *extra, *engine,
                        expect_lines=1) as server:
        print("quiet:", bench(server.port))
        cpu0 = server.cpu_seconds()
        procs = [subprocess.Popen(["timeout", str(seconds + 5), "openssl", "s_time", "-connect",
                                   f"127.0.0.1:{server.port}", "-new", "-time", str(seconds + 2)],
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
                 for _ in range(floods)]
        print("flood:", bench(server.port))
        for p in procs:
            out, _ = p.communicate(timeout=seconds + 20)
            print("  s_time:", [line for line in out.splitlines() if "connections in" in line][:1])
        print(f"  server cpu during flood {server.cpu_seconds() - cpu0:.2f} s")


ATTACKS["flood-bench"] = attack_flood_vs_bench


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--engine", default="epoll")
    p.add_argument("attacks", nargs="*", default=list(ATTACKS))
    a = p.parse_args()
    for name in a.attacks:
        ATTACKS[name](["--engine", a.engine])
