import { requestNonce } from '@siteport/agent';
import { EPOCH_HEADER, type InterfaceInventory, type RegisterResponse } from '@siteport/protocol';
import { TestMpClient, call } from './mp-client.js';
import type { TestServer } from './test-server.js';

/** Registers a client over plain HTTP and reports an inventory for it, then goes quiet ("asleep"). */
export async function sleepingClient(
  srv: TestServer,
  hostname: string,
  interfaces: InterfaceInventory[],
): Promise<string> {
  return sleepingClientAt(`http://127.0.0.1:${srv.server.info.ports.http.default}`, hostname, interfaces);
}

/** {@link sleepingClient} through an MP's plain-HTTP base URL (`http://HOST:PORT`). */
export async function sleepingClientAt(
  http: string,
  hostname: string,
  interfaces: InterfaceInventory[],
): Promise<string> {
  const client = new TestMpClient();
  // Bound to the MP process's epoch, as an agent signs (decision 0092): also taken by a process that just started.
  const epoch = (await fetch(`${http}/mp/v1/ca`)).headers.get(EPOCH_HEADER) ?? undefined;
  const signed = (path: string, bytes: Buffer) =>
    client.signedHeaders('POST', path, bytes, { nonce: requestNonce(epoch) });
  const body = Buffer.from(
    JSON.stringify({
      siteCode: 'AUTO',
      hostname,
      publicKey: client.publicKeyPem,
      category: 'workgroup',
      agentVersion: 'test',
    }),
  );
  const reg = await call(`${http}/mp/v1/register`, { method: 'POST', body, headers: signed('/mp/v1/register', body) });
  if (reg.status !== 200) throw new Error(`registration failed: ${JSON.stringify(reg.body)}`);
  client.clientId = (reg.body as RegisterResponse).clientId;
  const inventory = Buffer.from(JSON.stringify({ interfaces }));
  const res = await call(`${http}/mp/v1/inventory`, {
    method: 'POST',
    body: inventory,
    headers: signed('/mp/v1/inventory', inventory),
  });
  if (res.status !== 200) throw new Error(`inventory failed: ${JSON.stringify(res.body)}`);
  return client.clientId;
}
