import http from 'node:http';
import type { Logger } from 'pino';
import { SiteportError } from '@siteport/protocol';
import { sendJson } from '../http/index.js';
import { bindError } from '../os/index.js';
import type { OpsMetrics } from './ops-metrics.js';
import { type Check, readiness } from './readiness.js';

/** Connections the operations listener holds at once: scrapers and probes, never clients. */
const MAX_CONNECTIONS = 64;

/**
 * The operations listener of a siteport process (`--ops-port`): `GET /metrics` (Prometheus text),
 * `GET /health` (liveness: the process answers) and `GET /ready` (every readiness check passes:
 * 200, else 503 naming the failing ones). No credentials and nothing that changes state, so it
 * binds to loopback unless told otherwise (`--ops-bind`); only GET and HEAD are answered.
 */
export class OpsServer {
  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async listen(options: {
    host: string;
    port: number;
    metrics: OpsMetrics;
    checks: Readonly<Record<string, Check>>;
    logger: Logger;
  }): Promise<OpsServer> {
    const server = http.createServer(
      { headersTimeout: 10_000, requestTimeout: 10_000, keepAliveTimeout: 5_000 },
      (req, res) => {
        handle(req, res, options).catch((error: unknown) => {
          options.logger.error({ err: error, url: req.url }, 'operations request failed');
          if (!res.headersSent)
            sendJson(res, 500, { error: { code: 'E_INTERNAL', message: 'internal error; see the server log' } });
        });
      },
    );
    server.maxConnections = MAX_CONNECTIONS;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: options.host, port: options.port }, () => {
        server.off('error', reject);
        resolve();
      });
    }).catch(async (error: unknown) => {
      throw await bindError(error, options.port, 'ops');
    });
    const { port } = server.address() as { port: number };
    const host = options.host.includes(':') ? `[${options.host}]` : options.host;
    return new OpsServer(server, `http://${host}:${port}`);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

async function handle(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  options: { metrics: OpsMetrics; checks: Readonly<Record<string, Check>> },
): Promise<void> {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  const path = query < 0 ? url : url.slice(0, query);
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendJson(res, 405, new SiteportError('E_METHOD_NOT_ALLOWED', `${path} takes GET`).toBody(), { allow: 'GET, HEAD' });
    return;
  }
  switch (path) {
    case '/metrics': {
      const text = await options.metrics.text();
      res.writeHead(200, { 'content-type': options.metrics.contentType, 'content-length': Buffer.byteLength(text) });
      res.end(req.method === 'HEAD' ? undefined : text);
      return;
    }
    case '/health':
      sendJson(res, 200, { status: 'ok' });
      return;
    case '/ready': {
      const result = await readiness(options.checks);
      sendJson(res, result.ready ? 200 : 503, { status: result.ready ? 'ready' : 'not-ready', checks: result.checks });
      return;
    }
    default:
      sendJson(
        res,
        404,
        new SiteportError(
          'E_NOT_FOUND',
          `no such endpoint ${path}; this listener serves /metrics, /health and /ready`,
        ).toBody(),
      );
  }
}
