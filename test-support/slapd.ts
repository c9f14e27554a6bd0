import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type HasAfter, tempDir } from './temp-dir.js';

const run = promisify(execFile);

/** The schema file the project ships (the one-time schema extension of OpenLDAP). */
const SITEPORT_SCHEMA = fileURLToPath(new URL('../deploy/directory/siteport.schema', import.meta.url));

/** Accounts of the test directory, each with its password. */
export const SLAPD_ACCOUNTS = {
  /** Writes under cn=System Management only (the rights the README asks for). */
  siteServer: { dn: 'cn=siteport-server,ou=accounts,dc=example,dc=test', password: 'site-server-secret' },
  /** A domain member: reads the directory. */
  client: { dn: 'cn=client1,ou=accounts,dc=example,dc=test', password: 'client-secret' },
  /** May bind but reads nothing under cn=System Management. */
  outsider: { dn: 'cn=outsider,ou=accounts,dc=example,dc=test', password: 'outsider-secret' },
} as const;

/** A throwaway certificate authority and one server certificate it signed (openssl). */
export interface TestCa {
  /** PEM of the CA certificate. */
  caPem: string;
  caFile: string;
  /** Server certificate and key files, for 127.0.0.1 and localhost. */
  certFile: string;
  keyFile: string;
}

/** Makes a CA and a server certificate for `IP:127.0.0.1, DNS:localhost` in `dir` (valid two days, P-256 keys). */
export async function throwawayCa(dir: string, name: string): Promise<TestCa> {
  const file = (ext: string): string => path.join(dir, `${name}-${ext}`);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await run('openssl', [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.pem'),
    '-days',
    '2',
    '-subj',
    `/CN=${name} test CA`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  await run('openssl', [
    'req',
    ...ec,
    '-keyout',
    file('server.key'),
    '-out',
    file('server.csr'),
    '-subj',
    '/CN=127.0.0.1',
  ]);
  writeFileSync(
    file('ext.cnf'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n',
  );
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    file('server.csr'),
    '-CA',
    file('ca.pem'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-out',
    file('server.pem'),
    '-days',
    '2',
    '-extfile',
    file('ext.cnf'),
  ]);
  return {
    caPem: readFileSync(file('ca.pem'), 'utf8'),
    caFile: file('ca.pem'),
    certFile: file('server.pem'),
    keyFile: file('server.key'),
  };
}

/** A throwaway OpenLDAP server on loopback. */
export interface TestSlapd {
  baseDn: string;
  /** `ldap://127.0.0.1:PORT` (StartTLS offered when started with `tls`) */
  url: string;
  port: number;
  /** With `tls`: `ldaps://127.0.0.1:PORT` and the CA that signed the server certificate. */
  tls?: { ldapsUrl: string; ca: TestCa };
  dir: string;
  /** Stops the server (SIGTERM, waits for exit). */
  stop: () => Promise<void>;
  /** Starts it again on the same port with the same data. */
  restart: () => Promise<void>;
  /** Runs the real `ldapsearch` bound as an account; returns its LDIF output. */
  ldapsearch: (filter: string, attributes?: string[], as?: { dn: string; password: string }) => Promise<string>;
}

const BASE_DN = 'dc=example,dc=test';

function baseLdif(): string {
  const account = (cn: string, password: string): string =>
    `dn: cn=${cn},ou=accounts,${BASE_DN}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: ${cn}\nuserPassword: ${password}\n`;
  return [
    `dn: ${BASE_DN}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: siteport test\n`,
    `dn: ou=accounts,${BASE_DN}\nobjectClass: organizationalUnit\nou: accounts\n`,
    account('siteport-server', SLAPD_ACCOUNTS.siteServer.password),
    account('client1', SLAPD_ACCOUNTS.client.password),
    account('outsider', SLAPD_ACCOUNTS.outsider.password),
    `dn: cn=System Management,${BASE_DN}\nobjectClass: organizationalRole\ncn: System Management\n`,
  ].join('\n');
}

function slapdConf(dir: string, withSchema: boolean, ca: TestCa | undefined): string {
  return [
    ...(ca === undefined
      ? []
      : [
          `TLSCACertificateFile ${ca.caFile}`,
          `TLSCertificateFile ${ca.certFile}`,
          `TLSCertificateKeyFile ${ca.keyFile}`,
        ]),
    'include /etc/ldap/schema/core.schema',
    'include /etc/ldap/schema/cosine.schema',
    ...(withSchema ? [`include ${SITEPORT_SCHEMA}`] : []),
    `pidfile ${path.join(dir, 'slapd.pid')}`,
    'modulepath /usr/lib/ldap',
    'moduleload back_mdb',
    'database mdb',
    `suffix "${BASE_DN}"`,
    `rootdn "cn=admin,${BASE_DN}"`,
    'rootpw admin-secret',
    `directory ${path.join(dir, 'data')}`,
    'maxsize 67108864',
    `access to dn.subtree="cn=System Management,${BASE_DN}"`,
    `  by dn.exact="${SLAPD_ACCOUNTS.siteServer.dn}" write`,
    `  by dn.exact="${SLAPD_ACCOUNTS.outsider.dn}" none`,
    '  by users read',
    '  by * none',
    'access to attrs=userPassword',
    '  by anonymous auth',
    '  by * none',
    'access to *',
    '  by users read',
    '  by anonymous auth',
    '  by * none',
    '',
  ].join('\n');
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitForPort(port: number, child: ChildProcess, log: () => string, deadlineMs = 15_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`slapd exited with ${child.exitCode}: ${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`slapd did not listen on 127.0.0.1:${port} within ${deadlineMs} ms: ${log()}`);
}

/**
 * Starts the Debian `slapd` from a temp slapd.conf on a free loopback port, loaded with a base DN,
 * three accounts and the cn=System Management container. `withSchema: false` leaves out siteport's
 * schema (the "schema not extended" case). `tls: true` makes a throwaway CA and server certificate,
 * serves `ldaps://` on a second port and offers StartTLS on `ldap://`. Stopped and removed after the test.
 */
export async function startSlapd(
  t: HasAfter,
  options: { withSchema?: boolean; tls?: boolean } = {},
): Promise<TestSlapd> {
  const dir = tempDir(t, 'siteport-slapd-');
  mkdirSync(path.join(dir, 'data'), { mode: 0o700 });
  const ca = options.tls === true ? await throwawayCa(dir, 'slapd') : undefined;
  const conf = path.join(dir, 'slapd.conf');
  writeFileSync(conf, slapdConf(dir, options.withSchema ?? true, ca));
  writeFileSync(path.join(dir, 'base.ldif'), baseLdif());
  await run('/usr/sbin/slapadd', ['-f', conf, '-l', path.join(dir, 'base.ldif')]);
  const port = await freePort();
  const url = `ldap://127.0.0.1:${port}`;
  const tlsPort = ca === undefined ? undefined : await freePort();
  const ldapsUrl = tlsPort === undefined ? undefined : `ldaps://127.0.0.1:${tlsPort}`;
  let child: ChildProcess | undefined;
  let stderr = '';
  const start = async (): Promise<void> => {
    stderr = '';
    const listen = ldapsUrl === undefined ? `${url}/` : `${url}/ ${ldapsUrl}/`;
    const proc = spawn('/usr/sbin/slapd', ['-d', '0', '-f', conf, '-h', listen], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child = proc;
    await waitForPort(port, proc, () => stderr);
    if (tlsPort !== undefined) await waitForPort(tlsPort, proc, () => stderr);
  };
  const stop = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    if (proc === undefined || proc.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  await start();
  t.after(stop);
  return {
    baseDn: BASE_DN,
    url,
    port,
    ...(ldapsUrl === undefined || ca === undefined ? {} : { tls: { ldapsUrl, ca } }),
    dir,
    stop,
    restart: start,
    ldapsearch: async (filter, attributes = [], as = SLAPD_ACCOUNTS.client) => {
      const { stdout } = await run('ldapsearch', [
        '-LLL',
        '-x',
        '-o',
        'ldif-wrap=no',
        '-H',
        url,
        '-D',
        as.dn,
        '-w',
        as.password,
        '-b',
        BASE_DN,
        filter,
        ...attributes,
      ]);
      return stdout;
    },
  };
}

/** Values of one attribute in `ldapsearch -LLL` output, per DN. */
export function ldifValues(ldif: string, attribute: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const block of ldif.split(/\n\n+/)) {
    const lines = block.split('\n').filter((l) => l.length > 0);
    const dn = lines.find((l) => l.startsWith('dn: '))?.slice(4);
    if (dn === undefined) continue;
    const prefix = `${attribute.toLowerCase()}: `;
    out.set(
      dn,
      lines.filter((l) => l.toLowerCase().startsWith(prefix)).map((l) => l.slice(prefix.length)),
    );
  }
  return out;
}
