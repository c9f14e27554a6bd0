// The baseline of the MP throughput benchmark: a bare node:http server that answers every request
// with the same bytes the MP sends (passed in as a file), doing nothing else.
import { readFileSync } from 'node:fs';
import http from 'node:http';

const [, , policyFile, heartbeatFile] = process.argv;
const policy = readFileSync(policyFile);
const heartbeat = readFileSync(heartbeatFile);
const server = http.createServer((req, res) => {
  const body = req.method === 'POST' ? heartbeat : policy;
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
    res.end(body);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => console.log(`port ${server.address().port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
