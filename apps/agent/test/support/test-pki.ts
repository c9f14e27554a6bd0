import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A throwaway site CA and an MP server certificate for 127.0.0.1 / ::1 / localhost. */
export interface TestPki {
  caPem: string;
  caFingerprint: string;
  /** The CA's private key: a scripted MP signs its answers with it (decision 0092). */
  caKeyPem: string;
  serverKeyPem: string;
  serverCertPem: string;
}

/** Generates a CA and a server certificate with the openssl binary; `names` are its subjectAltName entries. */
export function createTestPki(names = 'DNS:localhost,IP:127.0.0.1,IP:::1'): TestPki {
  const dir = mkdtempSync(path.join(tmpdir(), 'siteport-pki-'));
  const run = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  };
  try {
    run('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key');
    run('req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=siteport test CA', '-days', '2', '-out', 'ca.pem');
    run('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'server.key');
    run('req', '-new', '-key', 'server.key', '-subj', '/CN=localhost', '-out', 'server.csr');
    writeFileSync(path.join(dir, 'ext.cnf'), `subjectAltName=${names}\n`);
    run(
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      'ext.cnf',
      '-out',
      'server.pem',
    );
    const caPem = readFileSync(path.join(dir, 'ca.pem'), 'utf8');
    return {
      caPem,
      caFingerprint: new X509Certificate(caPem).fingerprint256.replace(/:/g, '').toLowerCase(),
      caKeyPem: readFileSync(path.join(dir, 'ca.key'), 'utf8'),
      serverKeyPem: readFileSync(path.join(dir, 'server.key'), 'utf8'),
      serverCertPem: readFileSync(path.join(dir, 'server.pem'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
