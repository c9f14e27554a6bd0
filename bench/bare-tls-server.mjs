// The baseline of the notification benchmark: a bare Node.js TLS server with the site's
// certificate that accepts connections and holds them idle. Prints its port; answers "rss" on stdin.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';

const dir = process.argv[2];
const cert = `${readFileSync(path.join(dir, 'pki', 'site.pem'), 'utf8').trim()}\n${readFileSync(path.join(dir, 'pki', 'ca.pem'), 'utf8').trim()}\n`;
const key = readFileSync(path.join(dir, 'pki', 'site-key.pem'), 'utf8');
const server = tls.createServer({ cert, key }, (socket) => socket.on('error', () => undefined));
server.listen(0, '127.0.0.1', () => console.log(`port ${server.address().port}`));
