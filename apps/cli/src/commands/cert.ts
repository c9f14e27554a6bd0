import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import {
  type CertificateChange,
  type CertificateImportBody,
  type CertificateView,
  MAX_CERTIFICATE_INPUT,
  SiteportError,
  parseSiteCode,
} from '@siteport/protocol';
import { type AdminConnectionOptions, AdminClient, withConnectionOptions } from '../admin-client.js';
import { printJson, printLines } from '../format.js';

interface CertOptions extends AdminConnectionOptions {
  site?: string;
  json?: boolean;
}

interface ImportOptions extends CertOptions {
  cert?: string;
  key?: string;
  chain?: string;
  pkcs12?: string;
  passwordFile?: string;
  passwordStdin?: boolean;
}

async function readInput(file: string, flag: string, encoding: 'utf8' | 'base64'): Promise<string> {
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (error) {
    throw new SiteportError(
      'E_OPTION',
      `cannot read ${flag} ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      { cause: error },
    );
  }
  const text = data.toString(encoding);
  if (text.length > MAX_CERTIFICATE_INPUT)
    throw new SiteportError(
      'E_OPTION',
      `${flag} ${file} is larger than a certificate file can be (${MAX_CERTIFICATE_INPUT} characters)`,
    );
  return text;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length;
    if (size > 4096) throw new SiteportError('E_OPTION', 'the password on standard input is longer than 4096 bytes');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** The PKCS#12 password: from a file (first line) or standard input, never from the command line. */
async function password(options: ImportOptions): Promise<string> {
  if (options.passwordFile !== undefined && options.passwordStdin === true)
    throw new SiteportError('E_OPTION', 'give --password-file or --password-stdin, not both');
  if (options.passwordFile !== undefined)
    return (await readInput(options.passwordFile, '--password-file', 'utf8')).split(/\r?\n/)[0] ?? '';
  if (options.passwordStdin === true) return readStdin();
  throw new SiteportError(
    'E_OPTION',
    '--pkcs12 needs its password with --password-file FILE or --password-stdin (never on the command line, where ps shows it)',
  );
}

async function importBody(options: ImportOptions): Promise<CertificateImportBody> {
  if (options.pkcs12 !== undefined) {
    if (options.cert !== undefined || options.key !== undefined || options.chain !== undefined)
      throw new SiteportError('E_OPTION', 'give --pkcs12 or --cert/--key/--chain, not both');
    return { pkcs12: await readInput(options.pkcs12, '--pkcs12', 'base64'), password: await password(options) };
  }
  if (options.cert === undefined || options.key === undefined)
    throw new SiteportError(
      'E_OPTION',
      'give --cert FILE and --key FILE (PEM, with --chain FILE for the issuing CAs), or --pkcs12 FILE with --password-file',
    );
  if (options.passwordFile !== undefined || options.passwordStdin === true)
    throw new SiteportError('E_OPTION', 'a password goes with --pkcs12 only; decrypt a PEM key before importing it');
  return {
    certificate: await readInput(options.cert, '--cert', 'utf8'),
    key: await readInput(options.key, '--key', 'utf8'),
    ...(options.chain === undefined ? {} : { chain: await readInput(options.chain, '--chain', 'utf8') }),
  };
}

async function siteOf(client: AdminClient, options: CertOptions): Promise<string> {
  return options.site !== undefined
    ? parseSiteCode(options.site, '--site')
    : (await client.request<{ siteCode: string }>('GET', '/health')).siteCode;
}

function describe(view: CertificateView): string[] {
  return [
    `source:     ${view.source}`,
    `subject:    ${view.subject}`,
    `names:      ${view.names.join(', ')}`,
    `issuer:     ${view.issuer}`,
    `not before: ${view.notBefore}`,
    `not after:  ${view.notAfter}`,
    `serial:     ${view.serial}`,
    `sha-256:    ${view.fingerprint}`,
    ...(view.renewAfter === null
      ? []
      : [`renews:     after ${view.renewAfter} (a third of its lifetime before expiry)`]),
    ...view.trustAnchors.map((a) => `agents also trust: ${a.subject} (${a.fingerprint})`),
    ...view.warnings.map((w) => `warning: ${w}`),
  ];
}

function printChange(change: CertificateChange, json: boolean | undefined, verb: string): void {
  if (json === true) {
    printJson(change);
    return;
  }
  printLines(
    `${verb}: the management point serves serial ${change.certificate.serial} to new connections (was ${change.previousSerial}); open connections keep theirs`,
    ...describe(change.certificate),
  );
}

/** `siteport cert …`: the certificate the site's management point serves (decision 0101). */
export function register(program: Command): void {
  const cert = program
    .command('cert')
    .description("the management point's TLS certificate: show, import an enterprise certificate, renew");
  withConnectionOptions(
    cert
      .command('show')
      .description(
        'show the served certificate: subject, names, issuer, validity, serial, source (site-ca or imported)',
      )
      .option('--site <code>', "site code (default: the server's own site)")
      .option('--json', 'machine-readable output'),
  ).action(async (options: CertOptions) => {
    const client = await AdminClient.connect(options);
    const view = await client.request<CertificateView>('GET', `/sites/${await siteOf(client, options)}/certificate`);
    if (options.json === true) printJson(view);
    else printLines(...describe(view));
  });
  withConnectionOptions(
    cert
      .command('import')
      .description(
        'serve an enterprise certificate instead of one from the site CA; checked first, switched without a restart',
      )
      .option('--cert <file>', 'PEM server certificate (may be followed by its chain)')
      .option('--key <file>', 'PEM private key of the certificate (unencrypted)')
      .option('--chain <file>', 'PEM issuing CAs up to the root')
      .option('--pkcs12 <file>', 'PKCS#12 (.p12/.pfx) file with key, certificate and chain')
      .option('--password-file <file>', 'file whose first line is the PKCS#12 password')
      .option('--password-stdin', 'read the PKCS#12 password from standard input')
      .option('--site <code>', "site code (default: the server's own site)")
      .option('--json', 'machine-readable output'),
  ).action(async (options: ImportOptions) => {
    const body = await importBody(options);
    const client = await AdminClient.connect(options);
    printChange(
      await client.request<CertificateChange>(
        'POST',
        `/sites/${await siteOf(client, options)}/certificate/import`,
        body,
      ),
      options.json,
      'Imported',
    );
  });
  withConnectionOptions(
    cert
      .command('renew')
      .description('renew the certificate from the site CA now, without a restart')
      .option('--site-ca', 'also drop an imported certificate and serve one from the site CA again')
      .option('--site <code>', "site code (default: the server's own site)")
      .option('--json', 'machine-readable output'),
  ).action(async (options: CertOptions & { siteCa?: boolean }) => {
    const client = await AdminClient.connect(options);
    const change = await client.request<CertificateChange>(
      'POST',
      `/sites/${await siteOf(client, options)}/certificate/renew`,
      options.siteCa === true ? { siteCa: true } : {},
    );
    printChange(change, options.json, 'Renewed');
  });
}
