import type { Command } from 'commander';
import {
  type AgentPackageList,
  type AgentPackageView,
  type ReleaseKeyView,
  SiteportError,
  type UpgradeList,
  type UpgradeView,
  parseSiteCode,
} from '@siteport/protocol';
import { type AdminConnectionOptions, AdminClient, nextCommand, withConnectionOptions } from '../admin-client.js';
import { printJson, printLines } from '../format.js';

interface Flags extends AdminConnectionOptions {
  site?: string;
  json?: boolean;
  canary?: string;
  threshold?: string;
  autoAdvance?: boolean;
  allowDowngrade?: boolean;
  key?: string;
  version?: string;
  signature?: string;
  out?: string;
}

async function siteOf(client: AdminClient, flags: Flags): Promise<string> {
  if (flags.site !== undefined) return parseSiteCode(flags.site, '--site');
  return (await client.request<{ siteCode: string }>('GET', '/health')).siteCode;
}

function show(flags: Flags, value: unknown, lines: readonly string[]): void {
  if (flags.json === true) printJson(value);
  else printLines(lines);
}

function percent(name: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\d{1,3}$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= min && n <= 100))
    throw new SiteportError(
      'E_OPTION',
      `--${name} must be a whole percentage from ${min} to 100, got ${JSON.stringify(value)}`,
    );
  return n;
}

function formatUpgrade(u: UpgradeView): string[] {
  const wave = (name: string, w: UpgradeView['waves']['canary']): string =>
    `  ${name}: ${w.selected} selected, ${w.offered} offered, ${w.upgraded} upgraded, ${w.failed} failed, ${w.rolledBack} rolled back`;
  return [
    `upgrade ${u.id} to ${u.version}: ${u.state}${u.reason === null ? '' : ` (${u.reason})`}`,
    wave('canary', u.waves.canary),
    wave('rest', u.waves.rest),
    `  failure rate ${Math.round(u.failureRate * 100)} % (halts above ${u.failureThresholdPercent} %)`,
  ];
}

/** `siteport upgrade …`: agent upgrades through the rollout engine (decision 0111). */
export function register(program: Command): void {
  const upgrade = program
    .command('upgrade')
    .description('agent upgrades: release key, signed packages, upgrades in waves (canary, then the rest)');
  const connected = (command: Command): Command =>
    withConnectionOptions(
      command
        .option('--json', 'machine-readable output')
        .option('--site <code>', "site code (default: the server's own site)"),
    );

  upgrade
    .command('keygen')
    .description('make a release-signing key pair (keep the private key off the site server)')
    .requiredOption('--out <dir>', 'folder for release-key.pem (private, 0600) and release-key.pub.pem')
    .action(async (flags: Flags) => {
      const { writeReleaseKeyPair } = await import('../upgrade-files.js');
      const written = await writeReleaseKeyPair(flags.out ?? '');
      printLines([
        `private key ${written.privateFile}`,
        `public key ${written.publicFile}`,
        `SMSRELEASEKEY=${written.fingerprint}`,
      ]);
    });

  upgrade
    .command('sign')
    .description('sign a built agent bundle (npm run bundle:agent) with the release-signing key: writes BUNDLE.sig')
    .argument('<bundle>', 'siteport-agent-<version>.tar.gz')
    .requiredOption('--key <file>', 'the release-signing private key (PEM)')
    .option('--version <version>', 'the version inside (default: from the file name)')
    .action(async (bundle: string, flags: Flags) => {
      const { signBundleFile } = await import('../upgrade-files.js');
      const written = await signBundleFile(bundle, flags.key ?? '', flags.version);
      printLines([`signed ${written.version}: ${written.signatureFile}`]);
    });

  const key = upgrade.command('key').description("the site's release public key, which agents pin with SMSRELEASEKEY");
  connected(
    key.command('set').description('set the release public key').argument('<file>', 'release-key.pub.pem'),
  ).action(async (file: string, flags: Flags) => {
    const { readFile } = await import('node:fs/promises');
    const client = await AdminClient.connect(flags);
    const view = await client.request<ReleaseKeyView>('PUT', `/sites/${await siteOf(client, flags)}/release-key`, {
      publicKey: await readFile(file, 'utf8'),
    });
    show(flags, view, [
      `release key of ${view.siteCode} set; agents pin it with SMSRELEASEKEY=${view.fingerprint ?? ''}`,
    ]);
  });
  connected(key.command('show').description('show the release public key and its fingerprint')).action(
    async (flags: Flags) => {
      const client = await AdminClient.connect(flags);
      const view = await client.request<ReleaseKeyView>('GET', `/sites/${await siteOf(client, flags)}/release-key`);
      show(flags, view, [
        view.fingerprint === null ? `site ${view.siteCode} has no release key` : `SMSRELEASEKEY=${view.fingerprint}`,
      ]);
    },
  );

  const pkg = upgrade.command('package').description('signed agent packages of a site');
  connected(
    pkg
      .command('add')
      .description("register a signed bundle; refused unless the site's release key signed it")
      .argument('<bundle>', 'siteport-agent-<version>.tar.gz')
      .option('--signature <file>', 'the signature file (default: BUNDLE.sig)'),
  ).action(async (bundle: string, flags: Flags) => {
    const { readPackageFiles } = await import('../upgrade-files.js');
    const body = await readPackageFiles(bundle, flags.signature);
    const client = await AdminClient.connect(flags);
    const view = await client.request<AgentPackageView>(
      'POST',
      `/sites/${await siteOf(client, flags)}/agent-packages`,
      body,
    );
    show(flags, view, [
      `registered ${view.version} (${view.bytes} bytes, sha256 ${view.sha256})`,
      `next: ${nextCommand(flags, 'upgrade', 'start', view.version)}`,
    ]);
  });
  connected(pkg.command('list').description('the registered packages')).action(async (flags: Flags) => {
    const client = await AdminClient.connect(flags);
    const list = await client.request<AgentPackageList>('GET', `/sites/${await siteOf(client, flags)}/agent-packages`);
    show(
      flags,
      list,
      list.packages.length === 0
        ? ['no packages']
        : list.packages.map((p) => `${p.version}  ${p.bytes} bytes  ${p.createdAt}  ${p.createdBy}`),
    );
  });

  connected(
    upgrade
      .command('start')
      .description('offer a registered version to a canary wave, then (after advance) to the rest')
      .argument('<version>')
      .option('--canary <percent>', 'share of clients in the canary wave (default 10)')
      .option(
        '--threshold <percent>',
        'halt when more than this share of the offered clients fail or roll back (default 20)',
      )
      .option('--auto-advance', 'go on to the rest by itself once the canaries answered under the threshold')
      .option('--allow-downgrade', 'offer the version also to clients that run a newer one'),
  ).action(async (version: string, flags: Flags) => {
    const canary = percent('canary', flags.canary, 1);
    const threshold = percent('threshold', flags.threshold, 0);
    const client = await AdminClient.connect(flags);
    const view = await client.request<UpgradeView>('POST', `/sites/${await siteOf(client, flags)}/upgrades`, {
      version,
      ...(canary === undefined ? {} : { canaryPercent: canary }),
      ...(threshold === undefined ? {} : { failureThresholdPercent: threshold }),
      ...(flags.autoAdvance === true ? { autoAdvance: true } : {}),
      ...(flags.allowDowngrade === true ? { allowDowngrade: true } : {}),
    });
    show(flags, view, [...formatUpgrade(view), `watch: ${nextCommand(flags, 'upgrade', 'show', view.id)}`]);
  });

  connected(upgrade.command('list').description("a site's agent upgrades, newest first")).action(
    async (flags: Flags) => {
      const client = await AdminClient.connect(flags);
      const list = await client.request<UpgradeList>('GET', `/sites/${await siteOf(client, flags)}/upgrades`);
      show(flags, list, list.upgrades.length === 0 ? ['no upgrades'] : list.upgrades.flatMap(formatUpgrade));
    },
  );

  connected(upgrade.command('show').description('one upgrade with its progress per wave').argument('<id>')).action(
    async (id: string, flags: Flags) => {
      const client = await AdminClient.connect(flags);
      const view = await client.request<UpgradeView>('GET', `/upgrades/${encodeURIComponent(id)}`);
      show(flags, view, formatUpgrade(view));
    },
  );

  for (const [name, what] of [
    ['advance', 'offer the version to the rest once the canaries are confirmed'],
    ['halt', 'stop offering the version'],
    ['resume', 'resume a halted upgrade in the wave it halted in'],
    ['rollback', 'roll back: upgraded clients go back to the version they ran before'],
  ] as const) {
    connected(upgrade.command(name).description(what).argument('<id>')).action(async (id: string, flags: Flags) => {
      const client = await AdminClient.connect(flags);
      const view = await client.request<UpgradeView>('POST', `/upgrades/${encodeURIComponent(id)}/${name}`, {});
      show(flags, view, formatUpgrade(view));
    });
  }
}
