import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SiteportError, isHostName, shellCommand } from '@siteport/protocol';
import type { SiteRepository } from '../site/index.js';
import type { WebApplicationRecord } from './web-site-repository.js';

/** The built-in application every default web site carries: the client installer download. */
export const CLIENT_INSTALLER = Object.freeze({ name: 'Client installer', path: '/ccmsetup' });

/** How an application is named in warnings: `Client installer (/ccmsetup)`. */
export const appLabel = (app: { name: string; path: string }): string => `${app.name} (${app.path})`;

interface InstallerFile {
  name: string;
  contentType: string;
  body: Buffer;
}

/**
 * Serves the default web site's applications: the client installer (a manifest, the site CA and a
 * setup script carrying the site's current ports) and every registered application as a static page.
 */
export class WebApplications {
  private registered: WebApplicationRecord[] = [];

  constructor(
    private readonly deps: { siteCode: string; caCertificate: string; caFingerprint: string; sites: SiteRepository },
  ) {}

  /** Replaces the registered applications served (called after every change of the list). */
  update(apps: readonly WebApplicationRecord[]): void {
    this.registered = [...apps];
  }

  async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD')
      throw new SiteportError('E_METHOD_NOT_ALLOWED', `${path} takes GET`);
    if (path === CLIENT_INSTALLER.path || path.startsWith(`${CLIENT_INSTALLER.path}/`)) {
      await this.installer(req, res, path);
      return;
    }
    const app = this.registered.find((a) => path === a.path || path.startsWith(`${a.path.replace(/\/$/, '')}/`));
    if (app === undefined)
      throw new SiteportError('E_NOT_FOUND', `no web application at ${path} on the default web site`);
    if (app.content !== null) send(res, 200, 'text/plain; charset=utf-8', Buffer.from(app.content));
    else
      send(
        res,
        200,
        'application/json; charset=utf-8',
        Buffer.from(JSON.stringify({ application: app.name, path: app.path, siteCode: this.deps.siteCode })),
      );
  }

  private async installer(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const files = await this.installerFiles(managementPointHost(req));
    const rest = path.slice(CLIENT_INSTALLER.path.length).replace(/^\//, '');
    if (rest === '' || rest === 'manifest.json') {
      const stored = await this.deps.sites.ports(this.deps.siteCode);
      const manifest = {
        siteCode: this.deps.siteCode,
        settingsVersion: stored?.version ?? null,
        caFingerprint: this.deps.caFingerprint,
        files: files.map((f) => ({
          name: f.name,
          path: `${CLIENT_INSTALLER.path}/${f.name}`,
          size: f.body.length,
          sha256: createHash('sha256').update(f.body).digest('hex'),
        })),
      };
      send(res, 200, 'application/json; charset=utf-8', Buffer.from(JSON.stringify(manifest)));
      return;
    }
    const file = files.find((f) => f.name === rest);
    if (file === undefined)
      throw new SiteportError('E_NOT_FOUND', `no installer file ${rest}; see ${CLIENT_INSTALLER.path}/manifest.json`);
    send(res, 200, file.contentType, file.body);
  }

  private async installerFiles(host: string): Promise<InstallerFile[]> {
    const stored = await this.deps.sites.ports(this.deps.siteCode);
    if (stored === undefined)
      throw new SiteportError('E_INTERNAL', `site ${this.deps.siteCode} has no port settings row`);
    const { settings } = stored;
    const script = [
      '#!/bin/sh',
      `# siteport client installer for site ${this.deps.siteCode} (settings version ${stored.version}).`,
      '# Usage: sh ccmsetup.sh [STATE_DIR]; needs the siteport executable on PATH.',
      'set -e',
      // The state dir is left to the shell (the script's argument); every other word is quoted.
      `siteport setup --state "\${1:-/var/lib/siteport-agent}" ` +
        shellCommand(
          `SMSSITECODE=${this.deps.siteCode}`,
          `SMSMP=${host}`,
          `CCMHTTPPORT=${settings.http.default}`,
          `CCMHTTPSPORT=${settings.https.default}`,
          `SMSCAFINGERPRINT=${this.deps.caFingerprint}`,
        ),
      '',
    ].join('\n');
    return [
      { name: 'ccmsetup.sh', contentType: 'text/x-shellscript; charset=utf-8', body: Buffer.from(script) },
      { name: 'ca.pem', contentType: 'application/x-pem-file', body: Buffer.from(this.deps.caCertificate) },
    ];
  }
}

/** The host the client reached the default web site on: the installer points the client at it. */
function managementPointHost(req: IncomingMessage): string {
  const header = req.headers.host ?? '';
  const host = header.startsWith('[') ? header.slice(1, header.indexOf(']')) : header.replace(/:\d+$/, '');
  if (!isHostName(host))
    throw new SiteportError('E_BAD_REQUEST', `the Host header ${JSON.stringify(header)} is not a host name`);
  return host;
}

function send(res: ServerResponse, status: number, contentType: string, body: Buffer): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': body.length });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
