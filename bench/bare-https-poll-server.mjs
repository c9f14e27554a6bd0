// The bare baseline of the long-poll's idle cost: a node:https server with the site's certificate
// that reads each POST, holds it WAIT seconds (one timer per request, as plain Node code would)
// and answers 204; the simulated clients poll again at once on the same connection.
// `node bench/bare-https-poll-server.mjs DATA_DIR WAIT`; prints its port.
import { readFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';

const [dir, wait = '110'] = process.argv.slice(2);
const cert = `${readFileSync(path.join(dir, 'pki', 'site.pem'), 'utf8').trim()}\n${readFileSync(path.join(dir, 'pki', 'ca.pem'), 'utf8').trim()}\n`;
const key = readFileSync(path.join(dir, 'pki', 'site-key.pem'), 'utf8');
const holdMs = Number(wait) * 1000;
const server = https.createServer({ cert, key }, (req, res) => {
  req.resume();
  req.on('end', () => {
    const timer = setTimeout(() => {
      res.writeHead(204);
      res.end();
    }, holdMs);
    res.on('close', () => clearTimeout(timer));
  });
});
// An idle poll connection is held between polls as long as siteport's (--keep-alive-timeout 65 s);
// a request may take the whole wait (siteport bounds receiving it, not answering).
server.keepAliveTimeout = 65_000;
server.requestTimeout = 0;
server.listen(0, '127.0.0.1', () => console.log(`port ${server.address().port}`));
