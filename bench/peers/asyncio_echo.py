#!/usr/bin/env python3
"""Peer for bench/compare: the asyncio streams echo server (uvloop with --uvloop)."""
import asyncio
import socket
import sys


async def handle(reader, writer):
    writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    while data := await reader.read(65536):
        writer.write(data)
        await writer.drain()
    writer.close()


async def main(port):
    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=4096)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    if "--uvloop" in sys.argv:
        import uvloop
        uvloop.install()
    asyncio.run(main(int(sys.argv[1])))
