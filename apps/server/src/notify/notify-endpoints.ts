import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { InventoryRequest, MP_PREFIX, POLL_PATH, PollRequest, SiteportError, invalidField } from '@siteport/protocol';
import { parseJson, readBody } from '../http/index.js';
import type { ActivityRecorder, AnswerSealer, RequestVerifier } from '../mp/index.js';
import type { EndpointHandler, Protocol } from '../net/index.js';
import type { InterfaceRepository } from '../clients/index.js';
import type { NotificationHub } from './notification-hub.js';
import { PollActivity } from './poll-activity.js';
import { PollAnswers } from './poll-answers.js';
import { PollDeadlines } from './poll-deadlines.js';
import { type PollPlace, WaitingPoll } from './waiting-poll.js';

/** Inventory path: MACs and subnets for Wake-on-LAN. */
const INVENTORY_PATH = `${MP_PREFIX}/inventory`;

const pollCheck = TypeCompiler.Compile(PollRequest);
const inventoryCheck = TypeCompiler.Compile(InventoryRequest);

/** What the notification endpoints need. */
export interface NotifyEndpointsContext {
  hub: NotificationHub;
  /** The MP process's verifier: a poll and an inventory report are signed or carry a client session's MAC. */
  verifier: RequestVerifier;
  /** Authenticates the answers (a poll answer carries actions the agent runs; decision 0092). */
  answers: AnswerSealer;
  activity: ActivityRecorder;
  interfaces: InterfaceRepository;
  httpsOnly: () => boolean;
  /** The notification port clients should try again (told in every poll answer). */
  notificationPort: () => number;
  keepAliveSeconds: number;
  logger: Logger;
}

/** A message that fails its schema: E_VALIDATION naming the field and its rule (protocol's client-fields). */
const invalid = invalidField;

/**
 * Adds `POST /mp/v1/notify/poll` and `POST /mp/v1/inventory` in front of the MP handler; every
 * other path (opening a client session too) goes to `inner`. Both are authenticated like every
 * client request: signed, or with the MAC of the client's session (decision 0062). A poll
 * carries the acks of the actions the client just ran and waits up to `waitSeconds` for new ones —
 * the same actions, with the same acks, as the TCP channel.
 */
export function withNotifyEndpoints(inner: EndpointHandler, ctx: NotifyEndpointsContext): EndpointHandler {
  const answers = new PollAnswers();
  const pollActivity = new PollActivity(ctx.activity);
  const place: PollPlace = {
    hub: ctx.hub,
    deadlines: new PollDeadlines(),
    send: (res, actions, auth) =>
      ctx.answers.send(res, 200, answers.encode(actions, ctx.notificationPort(), ctx.keepAliveSeconds), auth),
  };

  async function poll(req: IncomingMessage, res: ServerResponse, protocol: Protocol, port: number): Promise<void> {
    const url = req.url ?? POLL_PATH;
    const raw = await readBody(req);
    const { id: clientId, answer: auth } = await ctx.verifier.verifyClient(req.headers, 'POST', url, raw);
    const body = parseJson(raw);
    if (!pollCheck.Check(body)) throw invalid('notification poll', pollCheck.Errors(body));
    pollActivity.seen(clientId, port, protocol, req.socket.remoteAddress ?? '');
    for (const ack of body.acks) ctx.hub.acknowledge(clientId, ack, 'http-poll');
    new WaitingPoll(place, clientId, res, auth).start(body.waitSeconds * 1000);
  }

  async function inventory(req: IncomingMessage, res: ServerResponse, protocol: Protocol, port: number): Promise<void> {
    const url = req.url ?? INVENTORY_PATH;
    const raw = await readBody(req);
    const client = await ctx.verifier.verifyClient(req.headers, 'POST', url, raw);
    const body = parseJson(raw);
    if (!inventoryCheck.Check(body)) throw invalid('inventory', inventoryCheck.Errors(body));
    const at = new Date().toISOString();
    await ctx.interfaces.replace(client.id, body.interfaces, at);
    ctx.activity.record({ id: client.id, at, port, protocol, address: req.socket.remoteAddress ?? '' });
    ctx.hub.seen(client.id);
    ctx.answers.send(res, 200, { stored: body.interfaces.length }, client.answer);
  }

  return (req, res, protocol, port, mode) => {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = query < 0 ? url : url.slice(0, query);
    const handler = path === POLL_PATH ? poll : path === INVENTORY_PATH ? inventory : undefined;
    if (handler === undefined || mode === 'probe') {
      inner(req, res, protocol, port, mode);
      return;
    }
    const run = async (): Promise<void> => {
      if (protocol === 'http' && ctx.httpsOnly()) {
        throw new SiteportError(
          'E_HTTPS_REQUIRED',
          'this site accepts client requests over HTTPS only; use the HTTPS port',
        );
      }
      if (req.method !== 'POST') throw new SiteportError('E_METHOD_NOT_ALLOWED', `${path} takes POST`);
      await handler(req, res, protocol, port);
    };
    run().catch((error: unknown) => {
      if (!(error instanceof SiteportError))
        ctx.logger.error({ err: error, url: req.url }, 'notification request failed');
      ctx.answers.sendError(req, res, error);
    });
  };
}
