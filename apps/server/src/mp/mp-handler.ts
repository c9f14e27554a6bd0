// Over 300 lines: the one dispatch over every client endpoint of an MP (CA, registration, sessions, policy, heartbeat, reports, agent upgrades); each case is short and they share the verification steps.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import {
  type CaResponse,
  CLIENT_SESSION_PATH,
  ClientSessionRequest,
  HeartbeatRequest,
  ProbeReport,
  ReachabilityReport,
  MP_PREFIX,
  RegisterRequest,
  type RegisterResponse,
  SiteportError,
  UpgradeReport,
  type UpgradeOfferResponse,
  type UpgradePackagePart,
  invalidField,
  isReleaseVersion,
} from '@siteport/protocol';
import { parseJson, readBody } from '../http/index.js';
import { ClientService } from '../clients/index.js';
import type { ActivityRecorder } from './activity-recorder.js';
import { HeartbeatAnswers } from './heartbeat-answers.js';
import { isoNow } from './iso-clock.js';
import type { AnswerSealer } from './answer-sealer.js';
import type { ListenerMode, Protocol } from '../net/index.js';
import type { PolicyCache } from './policy-cache.js';
import type { RequestVerifier } from './request-verifier.js';
import type { SourceRateLimit } from './source-rate-limit.js';
import { type ClientReportLimit, DEFAULT_REACHABILITY_INTERVAL_SECONDS } from './client-report-limit.js';

const registerCheck = TypeCompiler.Compile(RegisterRequest);
const heartbeatCheck = TypeCompiler.Compile(HeartbeatRequest);
const probeCheck = TypeCompiler.Compile(ProbeReport);
const sessionCheck = TypeCompiler.Compile(ClientSessionRequest);
const reachabilityCheck = TypeCompiler.Compile(ReachabilityReport);
const upgradeReportCheck = TypeCompiler.Compile(UpgradeReport);

const PATH = {
  prefix: `${MP_PREFIX}/`,
  probe: `${MP_PREFIX}/probe`,
  ca: `${MP_PREFIX}/ca`,
  policy: `${MP_PREFIX}/policy`,
  heartbeat: `${MP_PREFIX}/heartbeat`,
  probeReport: `${MP_PREFIX}/probe-report`,
  reachability: `${MP_PREFIX}/reachability`,
  register: `${MP_PREFIX}/register`,
  upgrade: `${MP_PREFIX}/upgrade`,
  upgradePackage: `${MP_PREFIX}/upgrade/package`,
  upgradeReport: `${MP_PREFIX}/upgrade/report`,
} as const;

/** Agent upgrades as the MP serves them to an authenticated client (decision 0111). */
interface MpUpgrades {
  offer(clientId: string): Promise<UpgradeOfferResponse['offer']>;
  part(clientId: string, version: string, part: number): Promise<UpgradePackagePart>;
  report(clientId: string, report: UpgradeReport): Promise<void>;
}

/** `?version=V&part=N` of a package download, checked. */
function packageQuery(url: string): { version: string; part: number } {
  const query = new URLSearchParams(url.slice(url.indexOf('?') + 1));
  const version = query.get('version') ?? '';
  const part = query.get('part') ?? '';
  if (!isReleaseVersion(version) || !/^[0-9]{1,4}$/.test(part))
    throw new SiteportError('E_VALIDATION', 'a package download takes ?version=MAJOR.MINOR.PATCH&part=N');
  return { version, part: Number(part) };
}

function expectMethod(method: string, wanted: string, path: string): void {
  if (method !== wanted) throw new SiteportError('E_METHOD_NOT_ALLOWED', `${path} takes ${wanted}`);
}

/** What the MP request handler needs from the site. */
export interface MpContext {
  siteCode: string;
  caCertificate: string;
  caFingerprint: string;
  /** Further TLS trust anchors for agents, signed by the site CA, while an imported certificate is served (decision 0101). */
  caTrust?: () => CaResponse['trust'];
  clients: ClientService;
  verifier: RequestVerifier;
  /** Authenticates every answer a client acts on (decision 0092). */
  answers: AnswerSealer;
  policy: PolicyCache;
  activity: ActivityRecorder;
  /** The site's current client communication mode (read per request; changes apply at once). */
  httpsOnly: () => boolean;
  /** Stores a client's pre-flight report. */
  recordProbe: (clientId: string, report: ProbeReport, address: string) => Promise<void>;
  /** Stores a client's slow-schedule reachability report (decision 0109); answers with how many results it kept. */
  recordReachability?: (
    clientId: string,
    address: string,
    report: ReachabilityReport,
    /** Called once the report is found valid, before it is stored: throws to refuse it. */
    admit: () => void,
  ) => Promise<number>;
  logger: Logger;
  /** Told of every registration the site serves at once (push installation waits for it). */
  onRegistered?: (client: { siteCode: string; id: string; keyFingerprint: string }) => void;
  /** Told when a pending client became active by bringing a registration token (other processes drop its cached status). */
  onActivated?: (client: { siteCode: string; id: string }) => void;
  /** Per-source limits on registrations and session openings (decision 0095); per-client limit on reachability reports (decision 0119). */
  limits: { registrations: SourceRateLimit; sessions: SourceRateLimit; reachability: ClientReportLimit };
  /** Agent upgrades; without them the upgrade endpoints answer E_NOT_FOUND. */
  upgrades?: MpUpgrades;
}

/** A message that fails its schema: E_VALIDATION naming the field and its rule (protocol's client-fields). */
const invalid = invalidField;

/**
 * The client-facing endpoints of a management point: CA, registration, client sessions, policy,
 * heartbeat, pre-flight reports. Registration and opening a session are Ed25519-signed; every
 * other client request is signed or carries the MAC of the client's session (decision 0062).
 * Every answer to such a request carries the session MAC or the site's signature (decision 0092).
 */
export function createMpHandler(ctx: MpContext) {
  const caBody: CaResponse = {
    siteCode: ctx.siteCode,
    caCertificate: ctx.caCertificate,
    fingerprint: ctx.caFingerprint,
  };
  const heartbeatAnswers = new HeartbeatAnswers();

  async function route(
    req: IncomingMessage,
    res: ServerResponse,
    protocol: Protocol,
    port: number,
    mode: ListenerMode,
  ): Promise<void> {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = query < 0 ? url : url.slice(0, query);
    if (path === PATH.probe) {
      // Pre-flight: proves the client reaches this port; no auth, no state.
      ctx.answers.sendPlain(res, 200, { siteCode: ctx.siteCode, protocol, port, mode });
      return;
    }
    if (mode === 'probe') {
      throw new SiteportError(
        'E_NOT_FOUND',
        `port ${port} is open for a pre-flight probe only; client requests go to the site's current ports`,
      );
    }
    if (!path.startsWith(PATH.prefix)) throw new SiteportError('E_NOT_FOUND', `no such endpoint ${path}`);
    if (protocol === 'http' && ctx.httpsOnly()) {
      throw new SiteportError(
        'E_HTTPS_REQUIRED',
        'this site accepts client requests over HTTPS only; use the HTTPS port',
      );
    }
    const method = req.method ?? 'GET';
    const address = req.socket.remoteAddress ?? '';
    switch (path) {
      case PATH.ca:
        expectMethod(method, 'GET', path);
        {
          const trust = ctx.caTrust?.();
          ctx.answers.sendPlain(res, 200, trust === undefined ? caBody : { ...caBody, trust });
        }
        return;
      case PATH.policy: {
        expectMethod(method, 'GET', path);
        const client = await ctx.verifier.verifyClient(req.headers, method, url);
        ctx.activity.record({ id: client.id, at: isoNow(), port, protocol, address });
        const entry = ctx.policy.ready ?? (await ctx.policy.current());
        ctx.answers.send(res, 200, ctx.policy.servedTo(client.id, entry).json, client.answer);
        return;
      }
      case PATH.heartbeat: {
        expectMethod(method, 'POST', path);
        const raw = await readBody(req);
        const client = await ctx.verifier.verifyClient(req.headers, method, url, raw);
        const body = parseJson(raw);
        if (!heartbeatCheck.Check(body)) throw invalid('heartbeat', heartbeatCheck.Errors(body));
        ctx.activity.record({
          id: client.id,
          at: isoNow(),
          port,
          protocol,
          address,
          settingsVersion: body.settingsVersion,
          agentState: body.agentState,
          hostname: body.hostname,
          ...(body.stateDir === undefined ? {} : { stateDir: body.stateDir }),
          ...(body.agentVersion === undefined ? {} : { agentVersion: body.agentVersion }),
        });
        const entry = ctx.policy.ready ?? (await ctx.policy.current());
        const { settingsVersion } = ctx.policy.servedTo(client.id, entry).policy;
        ctx.answers.send(res, 200, heartbeatAnswers.get(settingsVersion, port, protocol), client.answer);
        return;
      }
      case PATH.probeReport: {
        expectMethod(method, 'POST', path);
        const raw = await readBody(req);
        const client = await ctx.verifier.verifyClient(req.headers, method, url, raw);
        const body = parseJson(raw);
        if (!probeCheck.Check(body)) throw invalid('probe report', probeCheck.Errors(body));
        await ctx.recordProbe(client.id, body, address);
        ctx.answers.send(res, 200, { recorded: body.results.length }, client.answer);
        return;
      }
      case PATH.upgrade:
      case PATH.upgradePackage:
      case PATH.upgradeReport: {
        const upgrades = ctx.upgrades;
        if (upgrades === undefined) throw new SiteportError('E_NOT_FOUND', `no such endpoint ${path}`);
        if (path === PATH.upgradeReport) {
          expectMethod(method, 'POST', path);
          const raw = await readBody(req);
          const client = await ctx.verifier.verifyClient(req.headers, method, url, raw);
          const body = parseJson(raw);
          if (!upgradeReportCheck.Check(body)) throw invalid('upgrade report', upgradeReportCheck.Errors(body));
          await upgrades.report(client.id, body);
          ctx.answers.send(res, 200, { recorded: true }, client.answer);
          return;
        }
        expectMethod(method, 'GET', path);
        const client = await ctx.verifier.verifyClient(req.headers, method, url);
        if (path === PATH.upgrade) {
          ctx.answers.send(res, 200, { offer: await upgrades.offer(client.id) }, client.answer);
          return;
        }
        const { version, part } = packageQuery(url);
        ctx.answers.send(res, 200, await upgrades.part(client.id, version, part), client.answer);
        return;
      }
      case PATH.reachability: {
        const record = ctx.recordReachability;
        if (record === undefined) throw new SiteportError('E_NOT_FOUND', `no such endpoint ${path}`);
        expectMethod(method, 'POST', path);
        const raw = await readBody(req);
        // The report names no client: it is stored for the client this request authenticates.
        const client = await ctx.verifier.verifyClient(req.headers, method, url, raw);
        // At most the site's schedule allows (decision 0119): over it, refused before any parsing or database work.
        const { reachability } = (ctx.policy.ready ?? (await ctx.policy.current())).policy;
        const interval = reachability?.intervalSeconds ?? DEFAULT_REACHABILITY_INTERVAL_SECONDS;
        ctx.limits.reachability.check(client.id, interval);
        const body = parseJson(raw);
        if (!reachabilityCheck.Check(body)) throw invalid('reachability report', reachabilityCheck.Errors(body));
        const admit = (): void => ctx.limits.reachability.take(client.id, interval);
        ctx.answers.send(res, 200, { recorded: await record(client.id, address, body, admit) }, client.answer);
        return;
      }
      case CLIENT_SESSION_PATH: {
        expectMethod(method, 'POST', path);
        ctx.limits.sessions.take(address);
        const raw = await readBody(req);
        const client = await ctx.verifier.verifySigned(req.headers, method, url, raw);
        const body = parseJson(raw);
        if (!sessionCheck.Check(body)) throw invalid('client session', sessionCheck.Errors(body));
        ctx.answers.send(res, 200, ctx.verifier.sessions.open(client.id, body.publicKey), client.answer);
        return;
      }
      case PATH.register: {
        expectMethod(method, 'POST', path);
        // Before any parsing or crypto: a flood from one source costs a map look-up each.
        ctx.limits.registrations.take(address);
        const raw = await readBody(req);
        const body = parseJson(raw);
        if (!registerCheck.Check(body)) throw invalid('registration', registerCheck.Errors(body));
        const key = ClientService.parsePublicKey(body.publicKey);
        const answer = ctx.verifier.verifyRegistration(req.headers, method, url, raw, key);
        const wanted = body.siteCode.toUpperCase();
        if (wanted !== 'AUTO' && wanted !== ctx.siteCode) {
          throw new SiteportError(
            'E_SITE_MISMATCH',
            `this management point serves site ${ctx.siteCode}, not ${wanted}; check SMSSITECODE or SMSMP`,
          );
        }
        const now = new Date();
        const { record, status, tokenId } = await ctx.clients.register(ctx.siteCode, body, key, now);
        ctx.activity.record({
          id: record.id,
          at: now.toISOString(),
          port,
          protocol,
          address,
          agentState: status === 'pending' ? 'pending' : 'registering',
        });
        if (status === 'pending') {
          ctx.logger.info(
            { clientId: record.id, hostname: record.hostname, address },
            'client registered; waiting for approval',
          );
          throw new SiteportError(
            'E_CLIENT_PENDING',
            `client ${record.id} is registered and waits for approval by an administrator (siteport clients approve ${record.id}); the agent checks again`,
            {
              details: { clientId: record.id },
            },
          );
        }
        ctx.logger.info(
          {
            clientId: record.id,
            hostname: record.hostname,
            protocol,
            port,
            ...(tokenId === undefined ? {} : { tokenId }),
          },
          'client registered',
        );
        if (tokenId !== undefined) ctx.onActivated?.(record);
        ctx.onRegistered?.(record);
        const response: RegisterResponse = {
          clientId: record.id,
          siteCode: ctx.siteCode,
          policy: (await ctx.policy.current()).policy,
        };
        ctx.answers.send(res, 200, response, answer);
        return;
      }
      default:
        throw new SiteportError('E_NOT_FOUND', `no such endpoint ${path}`);
    }
  }

  return (req: IncomingMessage, res: ServerResponse, protocol: Protocol, port: number, mode: ListenerMode): void => {
    route(req, res, protocol, port, mode).catch((error: unknown) => {
      if (!(error instanceof SiteportError)) ctx.logger.error({ err: error, url: req.url }, 'client request failed');
      ctx.answers.sendError(req, res, error);
    });
  };
}
