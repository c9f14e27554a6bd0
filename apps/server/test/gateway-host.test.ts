import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GatewayView } from '@siteport/protocol';
import { startTestServer } from '../../../test-support/test-server.js';

test('a gateway host that is no address (":::::", "1:::2", "12345::1", "1:2:3:4:5:6:7:8:9") is refused with E_VALIDATION: nothing is written, announced or audited', async (t) => {
  const s = await startTestServer(t);
  const audited = async (): Promise<number> =>
    (await s.server.db.selectFrom('audit_log').select('seq').where('action', 'like', 'gateway.%').execute()).length;
  for (const host of [':::::', '1:::2', '12345::1', '1:2:3:4:5:6:7:8:9', ':1', '1::2::3', '::ffff:1.2.3']) {
    const res = await s.admin<{ error: { code: string; details?: { field?: string } } }>('PUT', '/sites/PS1/gateway', {
      host,
      port: 443,
    });
    assert.equal(res.status, 400, `${host} → ${JSON.stringify(res.body)}`);
    assert.equal(res.body.error.code, 'E_VALIDATION', host);
  }
  assert.equal((await s.admin<GatewayView>('GET', '/sites/PS1/gateway')).body.gateway, null, 'nothing was written');
  assert.equal(await audited(), 0);

  // Real addresses and names are taken.
  for (const host of [
    '2001:db8::1',
    '::1',
    '::ffff:192.0.2.7',
    'fe80:0:0:0:200:5eff:fe00:5301',
    'gw.example.com',
    '192.0.2.7',
  ]) {
    const res = await s.admin<GatewayView>('PUT', '/sites/PS1/gateway', { host, port: 443 });
    assert.equal(res.status, 200, `${host} → ${JSON.stringify(res.body)}`);
    assert.equal(res.body.gateway?.host, host);
  }
});
