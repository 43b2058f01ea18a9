#!/usr/bin/env python3
"""Peer for echo-bench's ws:// and wss:// (tests and bench/compare): python3-websockets
echoing every message as it came (text or binary). Listens on 127.0.0.1:PORT (0: any
free port); prints "port N" once listening and "close CODE" as each client leaves.

  ws_echo.py [PORT] [--cert PEM --key PEM]"""
import argparse
import asyncio
import ssl

import websockets


async def echo(ws, path=None):  # websockets 10 passes the path; later ones do not
    async for message in ws:
        await ws.send(message)
    print("close", ws.close_code, flush=True)


async def main(args):
    context = None
    if args.cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.cert, args.key)
    # No size limit and no compression: the peer echoes what echo-bench sends as it is.
    async with websockets.serve(echo, "127.0.0.1", args.port, ssl=context, max_size=None,
                                compression=None, ping_interval=None) as server:
        print("port", server.sockets[0].getsockname()[1], flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int, nargs="?", default=0)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    asyncio.run(main(parser.parse_args()))
