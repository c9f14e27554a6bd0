import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { test } from 'node:test';
import type { CertificateChange, CertificateView, PortsView } from '@siteport/protocol';
import { enterpriseCa, pkcs12Of } from '../apps/server/test/support/enterprise-pki.js';
import { runCli } from '../test-support/run-cli.js';
import { tempDir } from '../test-support/temp-dir.js';
import { startTestServer } from '../test-support/test-server.js';

function servedSubject(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const subject = String(socket.getPeerCertificate().subject.CN);
      socket.end();
      resolve(subject);
    });
    socket.once('error', reject);
  });
}

test('siteport cert show, import (PKCS#12 with the password from a file or stdin, PEM with chain) and renew (--site-ca) act on a running server; a refused import prints what to do and changes nothing', async (t) => {
  const s = await startTestServer(t);
  const ports = (await s.admin<PortsView>('GET', '/sites/PS1/ports')).body;
  const connect = ['--server', s.adminUrl, '--token-file', path.join(s.dataDir, 'admin-token')];
  const cli = async (args: string[], prefix?: string[]) =>
    runCli([...args, ...connect], prefix === undefined ? {} : { prefix });
  const dir = tempDir(t);
  const file = (name: string, data: string | Buffer): string => {
    const p = path.join(dir, name);
    writeFileSync(p, data, { mode: 0o600 });
    return p;
  };

  const shown = await cli(['cert', 'show']);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /^source: +site-ca$/m);
  assert.match(shown.stdout, /^issuer: +CN=siteport site PS1 CA$/m);
  assert.match(shown.stdout, /^renews: +after /m);

  const corp = await enterpriseCa();
  const leaf = await corp.issue({ names: ['127.0.0.1', 'localhost'] });
  const p12 = file('mp.p12', pkcs12Of(leaf, [corp.root.cert], 'corp pass'));
  const wrong = await cli(['cert', 'import', '--pkcs12', p12, '--password-file', file('wrong', 'nope\n')]);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /E_CERTIFICATE_INVALID: the PKCS#12 password is wrong/);
  const noPassword = await cli(['cert', 'import', '--pkcs12', p12]);
  assert.equal(noPassword.code, 2);
  assert.match(noPassword.stderr, /--password-file FILE or --password-stdin \(never on the command line/);
  assert.equal(
    (await s.admin<CertificateView>('GET', '/sites/PS1/certificate')).body.source,
    'site-ca',
    'nothing changed',
  );

  const imported = await cli([
    'cert',
    'import',
    '--pkcs12',
    p12,
    '--password-file',
    file('pass', 'corp pass\n'),
    '--site',
    'PS1',
    '--json',
  ]);
  assert.equal(imported.code, 0, imported.stderr);
  const change = JSON.parse(imported.stdout) as CertificateChange;
  assert.equal(change.certificate.source, 'imported');
  assert.equal(change.certificate.issuer, 'CN=Example Corp Test Root');
  assert.equal(await servedSubject(ports.https.default), '127.0.0.1');
  const audit = (await s.admin<{ entries: { action: string; newValue: unknown }[] }>('GET', '/audit?limit=5')).body
    .entries;
  const entry = audit.find((e) => e.action === 'certificate.import');
  assert.ok(entry !== undefined);
  assert.doesNotMatch(
    JSON.stringify(entry),
    /PRIVATE KEY|corp pass/,
    'the audit names the certificate, never the key or the password',
  );

  // The next one from standard input, then PEM files with a chain; a key of another certificate is refused.
  const next = await corp.issue({ names: ['127.0.0.1'] });
  const stdin = await cli(
    ['cert', 'import', '--pkcs12', file('next.p12', pkcs12Of(next, [corp.root.cert], 's3cret')), '--password-stdin'],
    ['sh', '-c', 'printf "s3cret\\n" | "$0" "$@"'],
  );
  assert.equal(stdin.code, 0, stdin.stderr);
  assert.match(
    stdin.stdout,
    /^Imported: the management point serves serial \S+ to new connections \(was \S+\); open connections keep theirs$/m,
  );
  const mismatched = await cli([
    'cert',
    'import',
    '--cert',
    file('leaf.pem', leaf.cert),
    '--key',
    file('other-key.pem', next.key),
    '--chain',
    file('root.pem', corp.root.cert),
  ]);
  assert.equal(mismatched.code, 1);
  assert.match(mismatched.stderr, /E_CERTIFICATE_INVALID: the private key does not belong to the certificate/);
  const pem = await cli([
    'cert',
    'import',
    '--cert',
    file('leaf2.pem', leaf.cert),
    '--key',
    file('leaf-key.pem', leaf.key),
    '--chain',
    file('root2.pem', corp.root.cert),
  ]);
  assert.equal(pem.code, 0, pem.stderr);
  assert.match(pem.stdout, /^agents also trust: CN=Example Corp Test Root/m);

  const refused = await cli(['cert', 'renew']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /E_CERTIFICATE_IMPORTED: .*siteport cert renew --site-ca/);
  const back = await cli(['cert', 'renew', '--site-ca']);
  assert.equal(back.code, 0, back.stderr);
  assert.match(back.stdout, /^source: +site-ca$/m);
  const renewed = JSON.parse((await cli(['cert', 'renew', '--json'])).stdout) as CertificateChange;
  assert.notEqual(renewed.certificate.serial, renewed.previousSerial);
  assert.equal(await servedSubject(ports.https.default), 'siteport site PS1 management point');
});
