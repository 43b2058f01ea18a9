#!/usr/bin/env python3
"""Peer for echo-bench's http:// (tests and bench/compare): python3-aiohttp answering
every request with what arrived. With ?format=body the body is the request's, byte
for byte (what `echo-bench --http-verify body` checks); otherwise JSON in the style
of mendhak/http-https-echo: method, path, query, headers and body. Listens on
127.0.0.1:PORT (0: any free port); prints "port N" once listening.

  http_echo_aiohttp.py [PORT]"""
import argparse
import asyncio
import socket

from aiohttp import web


async def echo(request):
    body = await request.read()
    if request.query.get("format") == "body":
        return web.Response(body=body, content_type="application/octet-stream")
    return web.json_response({
        "method": request.method, "path": request.path, "query": dict(request.query),
        "headers": [[k, v] for k, v in request.headers.items()],
        "body": body.decode("utf-8", "replace"),
    })


async def main(port):
    app = web.Application(client_max_size=64 << 20)
    app.router.add_route("*", "/{tail:.*}", echo)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    await web.SockSite(runner, sock, backlog=4096).start()
    print("port", sock.getsockname()[1], flush=True)
    await asyncio.Future()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int, nargs="?", default=0)
    asyncio.run(main(parser.parse_args().port))
