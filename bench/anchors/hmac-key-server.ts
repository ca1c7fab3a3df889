/**
 * Anchor for the standard key service: the least a key server can do per request — one
 * HMAC-SHA256 over the query string (standing in for token verification) and 16 bytes back —
 * on bare `node:http`, no framework, no database. Run as a child process by anchor-process.ts;
 * prints `{"port":N}` once listening on 127.0.0.1 and exits on SIGTERM.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

const secret = randomBytes(32);

const server = createServer((req, res) => {
  const url = req.url ?? '';
  const q = url.indexOf('?');
  const mac = createHmac('sha256', secret)
    .update(q === -1 ? '' : url.slice(q + 1))
    .digest();
  res.writeHead(200, {
    'content-type': 'application/octet-stream',
    'cache-control': 'no-store',
    'content-length': '16',
  });
  res.end(mac.subarray(0, 16));
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('unexpected listen address');
  console.log(JSON.stringify({ port: address.port }));
});

process.on('SIGTERM', () => process.exit(0));
