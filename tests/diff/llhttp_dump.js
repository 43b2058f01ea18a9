// Reads each file named on the command line through node's llhttp (strict: no
// lenient flag), as node's HTTP server would, and prints it in the canonical form
// http_parser_diff compares with http_parse_dump's: one "input" line per file, then
// its requests and how the stream ended.
'use strict';
process.noDeprecation = true;  // process.binding is deprecated (DEP0111), and the only way in
const crypto = require('crypto');
const fs = require('fs');
const { HTTPParser, methods, allMethods } = process.binding('http_parser');

// Bytes outside printable ASCII, and the backslash, as \xNN (node hands fields over
// as latin1 strings: one code unit per byte).
function escaped(s) {
  let out = '';
  for (let i = 0; i < s.length; ++i) {
    const c = s.charCodeAt(i);
    out += c < 0x20 || c >= 0x7f || c === 0x5c ? '\\x' + c.toString(16).padStart(2, '0') : s[i];
  }
  return out;
}

function dump(input) {
  const lines = [];
  const parser = new HTTPParser();
  let url = '';
  let headers = [];
  let body = [];
  let upgrade = false;
  let keepAlive = true;
  let closed = false;  // a request without keep-alive completed: the server closes after it
  let open = false;  // a message began and has not completed
  parser[HTTPParser.kOnMessageBegin] = () => { open = true; };
  // Past 32 fields (or a long URL) node flushes what it has here, before the rest;
  // trailers come here too.
  parser[HTTPParser.kOnHeaders] = (more, moreUrl) => {
    headers = headers.concat(more);
    url += moreUrl;
  };
  let requestLine = '';
  // Lines are printed when the request completes (trailers are fields too, and come
  // last), as http_parse_dump prints only whole requests.
  parser[HTTPParser.kOnHeadersComplete] =
    (major, minor, more, method, lastUrl, status, message, isUpgrade, shouldKeepAlive) => {
      if (more) headers = headers.concat(more);
      if (lastUrl) url += lastUrl;
      upgrade = Boolean(isUpgrade);
      keepAlive = Boolean(shouldKeepAlive);
      requestLine = `request ${(allMethods || methods)[method]} ${escaped(url)} HTTP/${major}.${minor}`;
      return 0;
    };
  // node 20 passes the slice; older nodes the buffer, an offset and a length.
  parser[HTTPParser.kOnBody] = (b, start, len) => {
    body.push(start === undefined ? Buffer.from(b) : Buffer.from(b.subarray(start, start + len)));
  };
  parser[HTTPParser.kOnMessageComplete] = () => {
    const all = Buffer.concat(body);
    lines.push(requestLine);
    for (let i = 0; i + 1 < headers.length; i += 2) {
      lines.push(`header ${escaped(headers[i])}: ${escaped(headers[i + 1])}`);
    }
    lines.push(`body ${all.length} ${crypto.createHash('sha256').update(all).digest('hex')}`);
    if (upgrade) lines.push('upgrade');
    closed = !keepAlive && !upgrade;
    open = false;
    url = '';
    headers = [];
    body = [];
  };
  parser[HTTPParser.kOnExecute] = () => {};
  parser[HTTPParser.kOnTimeout] = () => {};
  parser.initialize(HTTPParser.REQUEST, {}, 0, HTTPParser.kLenientNone || 0);
  const ret = input.length === 0 ? 0 : parser.execute(input);
  if (closed) {
    lines.push('end closed');  // what follows is refused by llhttp and never read by a server
  } else if (ret instanceof Error) {
    lines.push(`end rejected ${ret.code}`);  // llhttp names the error, not a status
  } else if (upgrade && !open) {
    lines.push('end upgrade');  // the bytes after it belong to another protocol
  } else {
    lines.push(open ? 'end incomplete' : 'end complete');
  }
  parser.close();
  return lines;
}

for (const file of process.argv.slice(2)) {
  process.stdout.write([`input ${file}`, ...dump(fs.readFileSync(file))].join('\n') + '\n');
}
