// Peer for bench/compare: node's net echo server (pipe each socket to itself), on
// a TCP port, or on a Unix socket path when the argument is not a number; with
// --udp, a dgram echo server.
const net = require('net');
const dgram = require('dgram');
const where = process.argv[2] || '65432';
if (process.argv.includes('--udp')) {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (msg, rinfo) => socket.send(msg, rinfo.port, rinfo.address));
  socket.bind(Number(where), '127.0.0.1');
} else {
  const server = net.createServer({ noDelay: true }, (socket) => {
    socket.pipe(socket);
    socket.on('error', () => socket.destroy());
  });
  if (/^[0-9]+$/.test(where)) {
    server.listen({ host: '127.0.0.1', port: Number(where), backlog: 4096 });
  } else {
    server.listen({ path: where, backlog: 4096 });
  }
}
