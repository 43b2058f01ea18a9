#!/usr/bin/env python3
"""Peer for bench/compare: the asyncio streams echo server on a Unix socket path
(uvloop with --uvloop)."""
import asyncio
import sys


async def handle(reader, writer):
    while data := await reader.read(65536):
        writer.write(data)
        await writer.drain()
    writer.close()


async def main(path):
    server = await asyncio.start_unix_server(handle, path, backlog=4096)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    if "--uvloop" in sys.argv:
        import uvloop
        uvloop.install()
    asyncio.run(main(sys.argv[1]))
