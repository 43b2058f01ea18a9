"""Deliberately broken echo servers, to prove echo-bench reports each fault.

Usage: faulty_server.py MODE, MODE one of flip, drop, close, delay. Prints the
same 'listening on' line as echo-server, then serves each client on a thread."""
import socket
import sys
import threading
import time

FAULT_AT = 1000  # the byte of each connection where flip/drop/close strike


def serve(conn, mode):
    seen = 0
    reads = 0
    with conn:
        while data := conn.recv(65536):
            reads += 1
            if mode in ("flip", "drop", "close") and seen <= FAULT_AT < seen + len(data):
                i = FAULT_AT - seen
                if mode == "flip":
                    data = data[:i] + bytes([data[i] ^ 0x40]) + data[i + 1:]
                elif mode == "drop":
                    data = data[:i] + data[i + 1:]
                else:
                    conn.sendall(data[:i])
                    return
            if mode == "delay" and reads % 100 == 0:
                time.sleep(0.05)
            seen += len(data)
            conn.sendall(data)


def main():
    mode = sys.argv[1]
    listener = socket.create_server(("127.0.0.1", 0))
    print(f"listening on tcp://127.0.0.1:{listener.getsockname()[1]}", flush=True)
    while True:
        conn, _ = listener.accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=serve, args=(conn, mode), daemon=True).start()


if __name__ == "__main__":
    main()
