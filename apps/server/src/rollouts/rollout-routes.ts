import { Type } from '@sinclair/typebox';
import {
  ImpactReport,
  PortChangeBody,
  RolloutView,
  SiteportError,
  parsePortChangeBody,
  parseSiteCode,
} from '@siteport/protocol';
import type { AdminRoute, RouteContext } from '../admin/admin-routes.js';
import { DEFAULT_DEADLINE_SECONDS, type RolloutService } from './rollout-service.js';

const ProposeBody = Type.Object({
  change: PortChangeBody,
  preflight: Type.Optional(Type.Boolean({ description: 'open the new ports in probe mode and let clients report first' })),
  deadlineSeconds: Type.Optional(Type.Integer({ minimum: 1, description: `close the old ports at the latest after this long (default ${DEFAULT_DEADLINE_SECONDS})` })),
});
const FinalizeBody = Type.Object({ force: Type.Optional(Type.Boolean({ description: 'close the old ports even though active clients are still on them' })) });

function object(body: unknown): Record<string, unknown> {
  if (body === undefined) return {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new SiteportError('E_BAD_REQUEST', 'the request body must be a JSON object');
  return body as Record<string, unknown>;
}

function parseProposal(body: unknown) {
  const { change, preflight, deadlineSeconds, ...rest } = object(body);
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined) throw new SiteportError('E_UNKNOWN_ITEM', `unknown field '${unknown}'; use change, preflight, deadlineSeconds`);
  if (preflight !== undefined && typeof preflight !== 'boolean') throw new SiteportError('E_VALIDATION', 'preflight must be true or false');
  if (deadlineSeconds !== undefined && !Number.isInteger(deadlineSeconds)) throw new SiteportError('E_VALIDATION', 'deadlineSeconds must be a whole number');
  return {
    change: parsePortChangeBody(change),
    options: { preflight: preflight === true, deadlineSeconds: (deadlineSeconds as number | undefined) ?? DEFAULT_DEADLINE_SECONDS },
  };
}

const site = (ctx: RouteContext): string => parseSiteCode(ctx.params.code, 'site code in the path');
const id = (ctx: RouteContext): string => ctx.params.id ?? '';

/** Admin routes of tracked port changes (SPEC B1–B3). */
export function rolloutRoutes(rollouts: RolloutService): AdminRoute[] {
  const rolloutSite = async (ctx: RouteContext): Promise<string> => (await rollouts.find(id(ctx))).siteCode;
  const action = (name: string, verb: string, run: (ctx: RouteContext) => Promise<unknown>, body?: typeof FinalizeBody): AdminRoute => ({
    method: 'POST',
    path: `/rollouts/{id}/${name}`,
    summary: verb,
    operationId: `${name}Rollout`,
    auth: true,
    permission: 'ports.change',
    siteOf: rolloutSite,
    ...(body === undefined ? {} : { requestBody: body }),
    response: RolloutView,
    handle: run,
  });
  return [
    {
      method: 'POST',
      path: '/sites/{code}/impact',
      summary: 'Impact of a change before it is made: per client how it learns the new ports, who is at risk, remediation, warnings',
      operationId: 'previewImpact',
      auth: true,
      permission: 'impact.preview',
      readOnly: true,
      requestBody: PortChangeBody,
      response: ImpactReport,
      handle: (ctx) => rollouts.impact(site(ctx), { change: parsePortChangeBody(ctx.body) }),
    },
    {
      method: 'POST',
      path: '/sites/{code}/rollouts',
      summary: 'Propose a port change as a rollout (optionally with pre-flight); commit it separately',
      operationId: 'proposeRollout',
      auth: true,
      permission: 'ports.change',
      requestBody: ProposeBody,
      response: RolloutView,
      handle: (ctx) => {
        const { change, options } = parseProposal(ctx.body);
        return rollouts.propose(site(ctx), change, ctx.actor, options);
      },
    },
    {
      method: 'GET',
      path: '/sites/{code}/rollouts',
      summary: "A site's rollouts, newest first",
      operationId: 'listRollouts',
      auth: true,
      permission: 'site.read',
      response: Type.Object({ rollouts: Type.Array(RolloutView) }),
      handle: async (ctx) => ({ rollouts: await rollouts.list(site(ctx)) }),
    },
    {
      method: 'GET',
      path: '/rollouts/{id}',
      summary: 'One rollout with its progress (moved, still on old ports, inactive)',
      operationId: 'getRollout',
      auth: true,
      permission: 'site.read',
      siteOf: rolloutSite,
      response: RolloutView,
      handle: (ctx) => rollouts.view(id(ctx)),
    },
    {
      method: 'GET',
      path: '/rollouts/{id}/impact',
      summary: 'Impact report of a rollout, with pre-flight results',
      operationId: 'rolloutImpact',
      auth: true,
      permission: 'site.read',
      siteOf: rolloutSite,
      response: ImpactReport,
      handle: async (ctx) => rollouts.impact((await rollouts.find(id(ctx))).siteCode, { rolloutId: id(ctx) }),
    },
    action('commit', 'Commit: the new ports become current, the old ones stay served until clients moved', (ctx) => rollouts.commit(id(ctx), ctx.actor)),
    action('cancel', 'Cancel a rollout that was not committed', (ctx) => rollouts.cancel(id(ctx), ctx.actor)),
    action('rollback', 'Roll back: the old ports become current again; moved clients come back', (ctx) => rollouts.rollback(id(ctx), ctx.actor)),
    action(
      'finalize',
      'Close the ports being left; refused while active clients remain unless force',
      (ctx) => {
        const { force, ...rest } = object(ctx.body);
        if (Object.keys(rest).length > 0 || (force !== undefined && typeof force !== 'boolean')) {
          throw new SiteportError('E_VALIDATION', 'the body is {"force": true|false}');
        }
        return rollouts.finalize(id(ctx), ctx.actor, force === true);
      },
      FinalizeBody,
    ),
  ];
}
