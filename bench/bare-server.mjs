// The baselines of the MP throughput benchmark: a bare node:http server that answers every request
// with the same bytes the MP sends (passed in as files), doing nothing else; with `mac` as the third
// argument it also does the per-request crypto the protocol asks of any server answering an
// authenticated request (decision 0092): an HMAC-SHA256 over the request's MAC string and body,
// and one over the answer, sent with the same headers as the MP's (epoch and answer MAC).
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';

const [, , policyFile, heartbeatFile, mode] = process.argv;
// Sent as strings, as the MP sends its answers (Node joins a string body to the header block: one chunk, not two).
const policy = readFileSync(policyFile, 'utf8');
const heartbeat = readFileSync(heartbeatFile, 'utf8');
const lengths = new Map([
  [policy, Buffer.byteLength(policy)],
  [heartbeat, Buffer.byteLength(heartbeat)],
]);
const key = randomBytes(32);
const epoch = randomBytes(33).toString('base64url');
const server = http.createServer((req, res) => {
  const body = req.method === 'POST' ? heartbeat : policy;
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    if (mode !== 'mac') {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': lengths.get(body) });
      res.end(body);
      return;
    }
    const h = req.headers;
    const line = `siteport-mac-v1\n${req.method}\n${req.url}\n${h['x-siteport-client']}\n${h['x-siteport-session']}\n${h['x-siteport-timestamp']}\n${h['x-siteport-nonce']}\n`;
    createHmac('sha256', key).update(line).update(Buffer.concat(chunks)).digest('base64url');
    const prefix = `siteport-answer-v1\n200\n${req.method}\n${req.url}\n${h['x-siteport-client']}\n${h['x-siteport-session']}\n${h['x-siteport-nonce']}\n`;
    const mac = createHmac('sha256', key).update(prefix).update(body).digest('base64url');
    res.writeHead(200, {
      'x-siteport-epoch': epoch,
      'x-siteport-answer-mac': mac,
      'content-type': 'application/json; charset=utf-8',
      'content-length': lengths.get(body),
    });
    res.end(body);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => console.log(`port ${server.address().port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
