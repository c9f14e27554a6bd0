// The baseline of the clients-page benchmark: a bare node:http server that answers
// `GET /?limit=N&after=ID` with the same page of the same site database as JSON: one prepared
// SELECT through better-sqlite3 (the driver the site server uses) and JSON.stringify, nothing else.
import http from 'node:http';
import Database from 'better-sqlite3';

const [, , file] = process.argv;
const db = new Database(file, { readonly: true });
db.pragma('busy_timeout = 5000');
const first = db.prepare("SELECT * FROM clients WHERE site_code = 'PS1' ORDER BY id LIMIT ?");
const after = db.prepare("SELECT * FROM clients WHERE site_code = 'PS1' AND id > ? ORDER BY id LIMIT ?");
const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://bare');
  const limit = Number(url.searchParams.get('limit') ?? 100);
  const from = url.searchParams.get('after');
  const rows = from === null ? first.all(limit + 1) : after.all(from, limit + 1);
  const body = JSON.stringify({ clients: rows.slice(0, limit), next: rows.length > limit ? rows[limit - 1].id : null });
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => console.log(`port ${server.address().port}`));
