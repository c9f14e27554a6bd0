import http from 'node:http';
import https from 'node:https';
import { MP_PREFIX, urlHost } from '@siteport/protocol';

/** The outcome of test-connecting to one pre-flight endpoint. */
export interface ProbeOutcome {
  protocol: 'http' | 'https';
  port: number;
  reachable: boolean;
  error?: string;
}

function probeOne(host: string, endpoint: { protocol: 'http' | 'https'; port: number }, caPem: string | undefined, timeoutMs: number): Promise<ProbeOutcome> {
  const url = `${endpoint.protocol}://${urlHost(host)}:${endpoint.port}${MP_PREFIX}/probe`;
  const transport = endpoint.protocol === 'https' ? https : http;
  return new Promise((resolve) => {
    const done = (reachable: boolean, error?: string): void =>
      resolve({ ...endpoint, reachable, ...(error === undefined ? {} : { error: error.slice(0, 200) }) });
    const req = transport.get(url, { agent: false, timeout: timeoutMs, ...(caPem === undefined ? {} : { ca: caPem }) }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode === 200, res.statusCode === 200 ? undefined : `HTTP ${res.statusCode ?? 0}`));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error: NodeJS.ErrnoException) => done(false, error.code ?? error.message));
  });
}

/** Test-connects to every new endpoint of a pre-flight (SPEC B3) on the client's first MP host. */
export function probeEndpoints(
  host: string,
  endpoints: readonly { protocol: 'http' | 'https'; port: number }[],
  caPem: string | undefined,
  timeoutMs: number,
): Promise<ProbeOutcome[]> {
  return Promise.all(endpoints.map((e) => probeOne(host, e, caPem, timeoutMs)));
}
