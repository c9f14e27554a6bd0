import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { switchedPorts } from './port-switch.js';

describe('switchedPorts', () => {
  it('keeps alternates that still differ from the new defaults', () => {
    const next = switchedPorts(
      { http: { default: 80, alternate: 8080 }, https: { default: 443, alternate: 8443 } },
      81,
      444,
    );
    assert.deepEqual(next, { http: { default: 81, alternate: 8080 }, https: { default: 444, alternate: 8443 } });
  });
  it('clears an alternate that now equals its new default', () => {
    const next = switchedPorts(
      { http: { default: 80, alternate: 8080 }, https: { default: 443, alternate: 8443 } },
      8080,
      8443,
    );
    assert.deepEqual(next, { http: { default: 8080, alternate: null }, https: { default: 8443, alternate: null } });
  });
  it('refuses a new HTTP port equal to an HTTPS port with E_PORT_CONFLICT', () => {
    assert.throws(
      () =>
        switchedPorts({ http: { default: 80, alternate: null }, https: { default: 443, alternate: 8443 } }, 8443, null),
      { code: 'E_PORT_CONFLICT' },
    );
  });
});
