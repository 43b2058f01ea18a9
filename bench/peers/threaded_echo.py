#!/usr/bin/env python3
"""Peer for bench/compare: the tutorial's server, with a thread per client so it
can take more than one (recv(1024), sendall)."""
import socket
import sys
import threading


def serve(conn):
    with conn:
        while data := conn.recv(1024):
            conn.sendall(data)


def main(port):
    threading.stack_size(256 * 1024)
    with socket.create_server(("127.0.0.1", port), backlog=4096) as s:
        while True:
            conn, _ = s.accept()
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main(int(sys.argv[1]))
