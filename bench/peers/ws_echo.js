// Peer for echo-bench's ws:// (tests and bench/compare): node's `ws` (Debian node-ws,
// NODE_PATH=/usr/share/nodejs) echoing every message with its own opcode. Listens on
// 127.0.0.1:PORT (0: any free port); prints "port N" once listening and "close CODE"
// as each client leaves.
const { WebSocketServer } = require('ws');
const port = Number(process.argv[2] || '0');
// maxPayload 0: no limit; no permessage-deflate, as the python peer.
const server = new WebSocketServer({ host: '127.0.0.1', port, maxPayload: 0, perMessageDeflate: false });
server.on('listening', () => console.log(`port ${server.address().port}`));
server.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  ws.on('close', (code) => console.log(`close ${code}`));
  ws.on('error', () => ws.terminate());
});
