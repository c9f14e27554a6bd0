import {
  AgentPackageBody,
  AgentPackageList,
  AgentPackageView,
  MAX_AGENT_PACKAGE_BYTES,
  ReleaseKeyBody,
  ReleaseKeyView,
  StartUpgradeBody,
  UpgradeList,
  UpgradeView,
  parseSiteCode,
} from '@siteport/protocol';
import type { StoredPackage, UpgradeProgress, UpgradeService } from '../upgrade/index.js';
import { type AdminRoute, type RouteContext, route } from './admin-route.js';

const site = (ctx: Pick<RouteContext, 'params'>): string => parseSiteCode(ctx.params.code, 'site code in the path');

function upgradeView(p: UpgradeProgress): UpgradeView {
  return { ...p.upgrade, waves: p.waves, failureRate: p.failureRate };
}

function packageView(p: StoredPackage): AgentPackageView {
  return { version: p.version, sha256: p.sha256, bytes: p.bytes, createdAt: p.createdAt, createdBy: p.createdBy };
}

/** Admin routes of agent upgrades (decision 0111): release key, signed packages, upgrade rollouts. */
export function upgradeRoutes(upgrades: UpgradeService): AdminRoute[] {
  // An unknown id belongs to no site: a caller limited to some sites gets 403 and learns nothing;
  // an unlimited one reaches the handler, which answers E_UPGRADE_NOT_FOUND.
  const upgradeSite = async (params: Readonly<Record<string, string>>): Promise<string> =>
    (await upgrades.repo.findUpgrade(params.id ?? ''))?.siteCode ?? '';
  const action = (
    name: string,
    verb: string,
    run: (id: string, actor: string) => Promise<UpgradeProgress>,
  ): AdminRoute => ({
    method: 'POST',
    path: `/upgrades/{id}/${name}`,
    summary: verb,
    operationId: `${name}Upgrade`,
    auth: true,
    permission: 'upgrades.run',
    siteOf: upgradeSite,
    noBody: true,
    response: UpgradeView,
    handle: async (ctx) => upgradeView(await run(ctx.params.id ?? '', ctx.actor)),
  });
  return [
    {
      method: 'GET',
      path: '/sites/{code}/release-key',
      summary: "The site's release public key, which signs agent packages, and its fingerprint (SMSRELEASEKEY)",
      operationId: 'getReleaseKey',
      auth: true,
      permission: 'site.read',
      response: ReleaseKeyView,
      handle: async (ctx) => {
        const code = site(ctx);
        const key = await upgrades.releaseKey(code);
        return { siteCode: code, publicKey: key?.publicKey ?? null, fingerprint: key?.fingerprint ?? null };
      },
    },
    route({
      method: 'PUT',
      path: '/sites/{code}/release-key',
      summary: "Set the site's release public key (Ed25519); packages must be signed with its private key",
      operationId: 'setReleaseKey',
      auth: true,
      permission: 'upgrades.configure',
      requestBody: ReleaseKeyBody,
      response: ReleaseKeyView,
      handle: async (ctx) => {
        const code = site(ctx);
        const { fingerprint } = await upgrades.setReleaseKey(code, ctx.body.publicKey, ctx.actor);
        return { siteCode: code, publicKey: ctx.body.publicKey, fingerprint };
      },
    }),
    {
      method: 'GET',
      path: '/sites/{code}/agent-packages',
      summary: 'The signed agent packages registered for the site',
      operationId: 'listAgentPackages',
      auth: true,
      permission: 'site.read',
      response: AgentPackageList,
      handle: async (ctx) => ({ packages: (await upgrades.repo.packages(site(ctx))).map(packageView) }),
    },
    route({
      method: 'POST',
      path: '/sites/{code}/agent-packages',
      summary: "Register an agent bundle with its signature; refused unless the site's release key signed it",
      operationId: 'addAgentPackage',
      auth: true,
      permission: 'upgrades.configure',
      requestBody: AgentPackageBody,
      maxBodyBytes: Math.ceil(MAX_AGENT_PACKAGE_BYTES / 3) * 4 + 8192,
      response: AgentPackageView,
      handle: async (ctx) =>
        packageView(
          await upgrades.registerPackage(
            site(ctx),
            Buffer.from(ctx.body.package, 'base64'),
            ctx.body.signature,
            ctx.actor,
          ),
        ),
    }),
    {
      method: 'GET',
      path: '/sites/{code}/upgrades',
      summary: "The site's agent upgrades, newest first, with progress per wave",
      operationId: 'listUpgrades',
      auth: true,
      permission: 'site.read',
      response: UpgradeList,
      handle: async (ctx) => ({ upgrades: (await upgrades.list(site(ctx))).map(upgradeView) }),
    },
    route({
      method: 'POST',
      path: '/sites/{code}/upgrades',
      summary: 'Start an agent upgrade: the canary wave first, then the rest',
      operationId: 'startUpgrade',
      auth: true,
      permission: 'upgrades.run',
      requestBody: StartUpgradeBody,
      response: UpgradeView,
      handle: async (ctx) => upgradeView(await upgrades.start(site(ctx), ctx.body, ctx.actor)),
    }),
    {
      method: 'GET',
      path: '/upgrades/{id}',
      summary: 'One agent upgrade with its progress per wave',
      operationId: 'getUpgrade',
      auth: true,
      permission: 'site.read',
      siteOf: upgradeSite,
      response: UpgradeView,
      handle: async (ctx) => upgradeView(await upgrades.progress(ctx.params.id ?? '')),
    },
    action('advance', 'Offer the version to the rest once the canaries are confirmed', (id, actor) =>
      upgrades.advance(id, actor),
    ),
    action('halt', 'Halt an upgrade: nobody new is offered the version', (id, actor) => upgrades.halt(id, actor)),
    action('resume', 'Resume a halted upgrade in the wave it halted in', (id, actor) => upgrades.resume(id, actor)),
    action('rollback', 'Roll back: upgraded clients go back to the version they ran before', (id, actor) =>
      upgrades.rollBack(id, actor),
    ),
  ];
}
