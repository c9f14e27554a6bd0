import { Type } from '@sinclair/typebox';
import { ImpactReport, PortChangeBody, RolloutStart, RolloutView, parseSiteCode, roleAllows } from '@siteport/protocol';
import { type AdminRoute, type RouteContext, route } from './admin-route.js';
import { DEFAULT_DEADLINE_SECONDS, MAX_DEADLINE_SECONDS, type RolloutService } from '../ports/index.js';

/** A window-respecting rollout's default deadline: every weekly window opens within it. */
const WINDOWED_DEADLINE_SECONDS = 8 * 24 * 60 * 60;
const ProposeBody = Type.Object(
  {
    change: PortChangeBody,
    preflight: Type.Optional(
      Type.Boolean({ description: 'open the new ports in probe mode and let clients report first' }),
    ),
    deadlineSeconds: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_DEADLINE_SECONDS,
        description: `close the old ports at the latest after this long (default ${DEFAULT_DEADLINE_SECONDS}); counted from the start of a scheduled rollout`,
      }),
    ),
    start: Type.Optional(RolloutStart),
    respectWindows: Type.Optional(
      Type.Boolean({
        description: `keep clients of windowed collections on the old ports until one of their maintenance windows opens (default deadline then ${WINDOWED_DEADLINE_SECONDS} s)`,
      }),
    ),
  },
  { additionalProperties: false },
);
const FinalizeBody = Type.Object(
  {
    force: Type.Optional(
      Type.Boolean({ description: 'close the old ports even though active clients are still on them' }),
    ),
  },
  { additionalProperties: false },
);

const site = (ctx: Pick<RouteContext, 'params'>): string => parseSiteCode(ctx.params.code, 'site code in the path');
const id = (ctx: Pick<RouteContext, 'params'>): string => ctx.params.id ?? '';

/**
 * A rollout as the caller may see it. Changing ports does not take `site.read`: a peer primary's
 * link token holds `ports.change` only, so it is told how many clients wait for a maintenance window
 * or were stranded, never which (their ids and host names are the site's to read).
 */
async function forCaller(ctx: Pick<RouteContext, 'caller'>, view: Promise<RolloutView>): Promise<RolloutView> {
  const v = await view;
  if (roleAllows(ctx.caller.role, 'site.read')) return v;
  return {
    ...v,
    ...(v.waiting === undefined ? {} : { waiting: [] }),
    ...(v.outcome === null ? {} : { outcome: { ...v.outcome, stranded: [] } }),
  };
}

/** Admin routes of tracked port changes. */
export function rolloutRoutes(rollouts: RolloutService): AdminRoute[] {
  const rolloutSite = async (params: Readonly<Record<string, string>>): Promise<string> =>
    (await rollouts.find(params.id ?? '')).siteCode;
  const action = (name: string, verb: string, run: (ctx: RouteContext) => Promise<RolloutView>): AdminRoute => ({
    method: 'POST',
    path: `/rollouts/{id}/${name}`,
    summary: verb,
    operationId: `${name}Rollout`,
    auth: true,
    permission: 'ports.change',
    siteOf: rolloutSite,
    noBody: true,
    response: RolloutView,
    handle: (ctx) => forCaller(ctx, run(ctx)),
  });
  return [
    route({
      method: 'POST',
      path: '/sites/{code}/impact',
      summary:
        'Impact of a change before it is made: per client how it learns the new ports, who is at risk, remediation, warnings',
      operationId: 'previewImpact',
      auth: true,
      permission: 'impact.preview',
      readOnly: true,
      requestBody: PortChangeBody,
      response: ImpactReport,
      handle: (ctx) => rollouts.impact(site(ctx), { change: ctx.body }),
    }),
    route({
      method: 'POST',
      path: '/sites/{code}/rollouts',
      summary:
        'Propose a port change as a rollout (optionally with pre-flight); commit it separately, or give `start` to schedule it',
      operationId: 'proposeRollout',
      auth: true,
      permission: 'ports.change',
      requestBody: ProposeBody,
      response: RolloutView,
      handle: (ctx) =>
        forCaller(
          ctx,
          rollouts.propose(site(ctx), ctx.body.change, ctx.actor, {
            preflight: ctx.body.preflight === true,
            deadlineSeconds:
              ctx.body.deadlineSeconds ??
              (ctx.body.respectWindows === true ? WINDOWED_DEADLINE_SECONDS : DEFAULT_DEADLINE_SECONDS),
            respectWindows: ctx.body.respectWindows === true,
            ...(ctx.body.start === undefined ? {} : { start: ctx.body.start }),
          }),
        ),
    }),
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
    action(
      'commit',
      'Commit (a scheduled rollout: start it now): the new ports become current, the old ones stay served until clients moved',
      (ctx) => rollouts.commit(id(ctx), ctx.actor),
    ),
    action('cancel', 'Cancel a rollout that was not committed (also a scheduled one before its start)', (ctx) =>
      rollouts.cancel(id(ctx), ctx.actor),
    ),
    action('rollback', 'Roll back: the old ports become current again; moved clients come back', (ctx) =>
      rollouts.rollback(id(ctx), ctx.actor),
    ),
    route({
      method: 'POST',
      path: '/rollouts/{id}/finalize',
      summary: 'Close the ports being left; refused while active clients remain unless force',
      operationId: 'finalizeRollout',
      auth: true,
      permission: 'ports.change',
      siteOf: rolloutSite,
      requestBody: FinalizeBody,
      response: RolloutView,
      handle: (ctx) => forCaller(ctx, rollouts.finalize(id(ctx), ctx.actor, ctx.body.force === true)),
    }),
  ];
}
