// The floor of the notification benchmark: a bare Node.js server with the site's certificate that
// answers each exchange with the bytes siteport would send and does nothing else. `https`: a
// keep-alive HTTPS server answering every POST with an empty long-poll answer; `tls`: a TLS
// server answering every frame with a pong frame. Prints its port.
import { readFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import tls from 'node:tls';

const [dir, mode] = process.argv.slice(2);
const cert = `${readFileSync(path.join(dir, 'pki', 'site.pem'), 'utf8').trim()}\n${readFileSync(path.join(dir, 'pki', 'ca.pem'), 'utf8').trim()}\n`;
const key = readFileSync(path.join(dir, 'pki', 'site-key.pem'), 'utf8');
const answer = Buffer.from(JSON.stringify({ actions: [], notificationPort: 10123, keepAliveSeconds: 60 }));
const pong = Buffer.from([0, 0, 0, 2, 1, 5]);
const server =
  mode === 'https'
    ? https.createServer({ cert, key }, (req, res) => {
        req.resume();
        req.on('end', () => {
          res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': answer.length });
          res.end(answer);
        });
      })
    : tls.createServer({ cert, key }, (socket) => {
        socket.on('data', () => socket.write(pong));
        socket.on('error', () => undefined);
      });
if (mode === 'https') server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => console.log(`port ${server.address().port}`));
