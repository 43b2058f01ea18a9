// Peer for bench/compare: node's net echo server (pipe each socket to itself).
const net = require('net');
const port = Number(process.argv[2] || 65432);
net.createServer({ noDelay: true }, (socket) => {
  socket.pipe(socket);
  socket.on('error', () => socket.destroy());
}).listen({ host: '127.0.0.1', port, backlog: 4096 });
