import http from 'node:http';
import https from 'node:https';
import { MP_PREFIX, type Policy, toPrintable, urlHost } from '@siteport/protocol';
import { type ClientConfig, managementPointHosts } from './client-config.js';
import type { IdentityKey } from './identity-key.js';
import type { MpClient } from './mp-client.js';

/** The outcome of test-connecting to one pre-flight endpoint. */
export interface ProbeOutcome {
  protocol: 'http' | 'https';
  port: number;
  reachable: boolean;
  error?: string;
}

function probeOne(
  host: string,
  endpoint: { protocol: 'http' | 'https'; port: number },
  caPem: string | undefined,
  timeoutMs: number,
): Promise<ProbeOutcome> {
  const url = `${endpoint.protocol}://${urlHost(host)}:${endpoint.port}${MP_PREFIX}/probe`;
  const transport = endpoint.protocol === 'https' ? https : http;
  return new Promise((resolve) => {
    const done = (reachable: boolean, error?: string): void =>
      resolve({ ...endpoint, reachable, ...(error === undefined ? {} : { error: toPrintable(error, 200) }) });
    const req = transport.get(
      url,
      { agent: false, timeout: timeoutMs, ...(caPem === undefined ? {} : { ca: caPem }) },
      (res) => {
        res.resume();
        res.on('end', () =>
          done(res.statusCode === 200, res.statusCode === 200 ? undefined : `HTTP ${res.statusCode ?? 0}`),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error: NodeJS.ErrnoException) => done(false, error.code ?? error.message));
  });
}

/** Test-connects to every new endpoint of a pre-flight on the client's first MP host. */
function probeEndpoints(
  host: string,
  endpoints: readonly { protocol: 'http' | 'https'; port: number }[],
  caPem: string | undefined,
  timeoutMs: number,
): Promise<ProbeOutcome[]> {
  return Promise.all(endpoints.map((e) => probeOne(host, e, caPem, timeoutMs)));
}

/**
 * Test-connects to the ports a proposed change would use, from the client's first MP host,
 * and reports what it reached. Resolves with the results, or null when the client knows no MP host.
 */
export async function reportPreflight(
  client: MpClient,
  input: {
    clientId: string;
    key: IdentityKey;
    probe: NonNullable<Policy['probe']>;
    config: ClientConfig;
    caPem: string | undefined;
    timeoutMs: number;
  },
): Promise<ProbeOutcome[] | null> {
  const host = managementPointHosts(input.config)[0];
  if (host === undefined) return null;
  const results = await probeEndpoints(host, input.probe.endpoints, input.caPem, input.timeoutMs);
  await client.probeReport(input.clientId, input.key, { rolloutId: input.probe.rolloutId, results });
  return results;
}
