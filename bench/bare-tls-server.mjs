// The baseline of the notification benchmark: a bare Node.js TLS server with the site's
// certificate that accepts connections, holds them idle and reads (and drops) what they send.
// Prints its port. A line `push BYTES` on stdin writes one frame of BYTES bytes to every
// connection — the bare fan-out the TCP channel's push is compared with — and prints
// `pushed N MS` (connections, write loop in ms). `node bench/bare-tls-server.mjs DATA_DIR [HOST]` (HOST: a
// loopback address, default 127.0.0.1).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import tls from 'node:tls';

const [dir, host = '127.0.0.1'] = process.argv.slice(2);
// On the address of an additional MP, that MP's certificate (issued for its address), else the site's.
const own = path.join(dir, 'pki', `mp-${host}`);
const [certFile, keyFile] = existsSync(`${own}.pem`)
  ? [`${own}.pem`, `${own}-key.pem`]
  : [path.join(dir, 'pki', 'site.pem'), path.join(dir, 'pki', 'site-key.pem')];
const cert = `${readFileSync(certFile, 'utf8').trim()}\n${readFileSync(path.join(dir, 'pki', 'ca.pem'), 'utf8').trim()}\n`;
const key = readFileSync(keyFile, 'utf8');
const sockets = new Set();
const server = tls.createServer({ cert, key }, (socket) => {
  sockets.add(socket);
  socket.on('error', () => undefined);
  socket.on('data', () => undefined);
  socket.on('close', () => sockets.delete(socket));
});
server.listen(0, host, () => console.log(`port ${server.address().port}`));
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const [command, bytes] = line.split(' ');
  if (command !== 'push') return;
  const frame = Buffer.alloc(Number(bytes), 1);
  const t0 = performance.now();
  for (const socket of sockets) socket.write(frame);
  console.log(`pushed ${sockets.size} ${(performance.now() - t0).toFixed(1)}`);
});
