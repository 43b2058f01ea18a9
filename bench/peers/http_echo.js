// Peer for bench/compare: an HTTP echo server on node's `http`, in the style of
// mendhak/http-https-echo and Ealenn/Echo-Server: each request is answered with JSON
// of its method, path, query, headers and body; with ?format=body, with the body as
// it came (what `echo-bench --http-verify body` checks). Listens on 127.0.0.1:PORT.
const http = require('http');
const port = Number(process.argv[2] || '0');
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const url = new URL(req.url, 'http://localhost');
    if (url.searchParams.get('format') === 'body') {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length });
      res.end(body);
      return;
    }
    const json = JSON.stringify({
      method: req.method, path: url.pathname, query: Object.fromEntries(url.searchParams),
      headers: req.rawHeaders, body: body.toString('utf8'),
    });
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(json) });
    res.end(json);
  });
});
server.keepAliveTimeout = 300000;
server.listen({ host: '127.0.0.1', port, backlog: 4096 }, () => console.log(`port ${server.address().port}`));
