// A real forward HTTP proxy for the SDK's proxy tests: the npm package `proxy` (plain
// requests in absolute form, and CONNECT tunnels), plus a log of what went through it.
//
//   PORT=18556 node server.mjs        (PORT=0: any free port; the port is printed on stdout)
//
// Requests to the proxy itself (a path, not an absolute URL) are its own:
//   GET /__health -> "ok"
//   GET /__log    -> JSON array, one entry per proxied request:
//                    {method, url, range, status, requestBytes, responseBytes}
// PROXY_LOG=<file> also appends each entry to that file (one JSON line each).
import http from 'node:http';
import fs from 'node:fs';
import { Transform } from 'node:stream';
import { createProxy } from 'proxy';

const entries = [];
const logFile = process.env.PROXY_LOG;

function record(entry) {
  entries.push(entry);
  if (logFile) fs.appendFileSync(logFile, JSON.stringify(entry) + '\n');
}

const server = createProxy(http.createServer());
const [proxyRequest] = server.listeners('request');
server.removeAllListeners('request');

server.on('request', (req, res) => {
  if (req.url.startsWith('/')) {
    if (req.url === '/__health') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      return res.end('ok');
    }
    if (req.url === '/__log') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify(entries));
    }
    res.writeHead(404);
    return res.end();
  }
  const entry = {
    method: req.method,
    url: req.url,
    range: req.headers['range'] ?? null,
    status: null,
    requestBytes: 0,
    responseBytes: 0,
  };
  // Count the request body on its way to the origin (the proxy pipes `req` onward).
  const pipe = req.pipe.bind(req);
  req.pipe = (dest, opts) => {
    const counter = new Transform({
      transform(chunk, _enc, done) {
        entry.requestBytes += chunk.length;
        done(null, chunk);
      },
    });
    pipe(counter);
    return counter.pipe(dest, opts);
  };
  // Count the response body on its way back.
  const write = res.write.bind(res);
  res.write = (chunk, ...rest) => {
    if (chunk && typeof chunk !== 'function') entry.responseBytes += Buffer.byteLength(chunk);
    return write(chunk, ...rest);
  };
  const end = res.end.bind(res);
  res.end = (chunk, ...rest) => {
    if (chunk && typeof chunk !== 'function') entry.responseBytes += Buffer.byteLength(chunk);
    return end(chunk, ...rest);
  };
  res.on('close', () => {
    entry.status = res.statusCode;
    record(entry);
  });
  proxyRequest.call(server, req, res);
});

server.prependListener('connect', (req) => {
  record({ method: 'CONNECT', url: req.url, range: null, status: null, requestBytes: 0, responseBytes: 0 });
});

const port = Number(process.env.PORT ?? 18556);
server.listen(port, '127.0.0.1', () => {
  console.log(`proxy listening on ${server.address().port}`);
});
