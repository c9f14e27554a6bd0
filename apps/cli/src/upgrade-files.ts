import { generateKeyPairSync } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MAX_AGENT_PACKAGE_BYTES, SiteportError } from '@siteport/protocol';
import { releaseKeyFingerprint, signAgentPackage } from '@siteport/server';

/** Writes a new Ed25519 release-signing key pair into `dir`. */
export async function writeReleaseKeyPair(
  dir: string,
): Promise<{ privateFile: string; publicFile: string; fingerprint: string }> {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const privateFile = path.resolve(dir, 'release-key.pem');
  const publicFile = path.resolve(dir, 'release-key.pub.pem');
  // wx: an existing key is never overwritten (agents pinned it).
  await writeFile(privateFile, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), {
    mode: 0o600,
    flag: 'wx',
  });
  await writeFile(publicFile, publicPem, { mode: 0o644, flag: 'wx' });
  return { privateFile, publicFile, fingerprint: releaseKeyFingerprint(publicPem) };
}

async function readBundle(bundle: string): Promise<Buffer> {
  const data = await readFile(bundle);
  if (data.length > MAX_AGENT_PACKAGE_BYTES)
    throw new SiteportError(
      'E_UPGRADE_TOO_LARGE',
      `${bundle} is ${data.length} bytes; at most ${MAX_AGENT_PACKAGE_BYTES} are accepted`,
    );
  return data;
}

/** Signs a bundle file; the version comes from `siteport-agent-<version>.tar.gz` unless given. */
export async function signBundleFile(
  bundle: string,
  keyFile: string,
  version?: string,
): Promise<{ version: string; signatureFile: string }> {
  const named = /^siteport-agent-(.+)\.tar\.gz$/.exec(path.basename(bundle))?.[1];
  const v = version ?? named;
  if (v === undefined)
    throw new SiteportError('E_OPTION', `cannot tell the version from ${path.basename(bundle)}; pass --version`);
  const signature = signAgentPackage(await readBundle(bundle), v, await readFile(keyFile, 'utf8'));
  const signatureFile = `${bundle}.sig`;
  await writeFile(signatureFile, `${JSON.stringify(signature, null, 2)}\n`, { mode: 0o644 });
  return { version: signature.version, signatureFile };
}

/** The body of `POST /sites/{code}/agent-packages`: the bundle (base64) and its parsed signature file. */
export async function readPackageFiles(
  bundle: string,
  signatureFile?: string,
): Promise<{ package: string; signature: unknown }> {
  const data = await readBundle(bundle);
  const text = await readFile(signatureFile ?? `${bundle}.sig`, 'utf8');
  let signature: unknown;
  try {
    signature = JSON.parse(text);
  } catch {
    throw new SiteportError('E_UPGRADE_PACKAGE', `${signatureFile ?? `${bundle}.sig`} is not a signature file (JSON)`);
  }
  return { package: data.toString('base64'), signature };
}
