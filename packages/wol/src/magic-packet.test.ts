import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSiteportError } from '@siteport/protocol';
import { buildMagicPacket, formatMac, parseMac, parseMagicPacket, parseSecureOnPassword } from './magic-packet.js';

describe('Wake-on-LAN magic packets', () => {
  it('is 6 × 0xFF followed by the MAC sixteen times', () => {
    const packet = buildMagicPacket(parseMac('52:54:00:ab:cd:ef'));
    assert.equal(packet.length, 102);
    assert.deepEqual([...packet.slice(0, 6)], [255, 255, 255, 255, 255, 255]);
    for (let i = 0; i < 16; i += 1)
      assert.deepEqual([...packet.slice(6 + i * 6, 12 + i * 6)], [0x52, 0x54, 0x00, 0xab, 0xcd, 0xef]);
    assert.deepEqual(parseMagicPacket(packet), { mac: '52:54:00:ab:cd:ef', password: null });
  });

  it('appends a 4- or 6-byte SecureOn password', () => {
    const packet = buildMagicPacket(parseMac('52-54-00-AB-CD-EF'), parseSecureOnPassword('01:02:03:04:05:06'));
    assert.equal(packet.length, 108);
    assert.deepEqual(parseMagicPacket(packet), { mac: '52:54:00:ab:cd:ef', password: '01:02:03:04:05:06' });
    assert.equal(
      parseMagicPacket(buildMagicPacket(parseMac('525400abcdef'), parseSecureOnPassword('0a:0b:0c:0d'))).password,
      '0a:0b:0c:0d',
    );
  });

  it('rejects malformed MACs, passwords and packets with a code', () => {
    for (const bad of ['', '52:54:00:ab:cd', '52:54:00:ab:cd:eg', '52:54-00:ab:cd:ef', '52:54:00:ab:cd:ef:00']) {
      assert.throws(
        () => parseMac(bad),
        (e) => isSiteportError(e, 'E_MAC'),
        bad,
      );
    }
    assert.throws(
      () => parseSecureOnPassword('01:02:03'),
      (e) => isSiteportError(e, 'E_MAC'),
    );
    const packet = buildMagicPacket(parseMac('52:54:00:ab:cd:ef'));
    assert.throws(
      () => parseMagicPacket(packet.slice(0, 101)),
      (e) => isSiteportError(e, 'E_WAKE_PACKET'),
    );
    const broken = packet.slice();
    broken[51] = 0;
    assert.throws(
      () => parseMagicPacket(broken),
      (e) => isSiteportError(e, 'E_WAKE_PACKET'),
    );
    const noSync = packet.slice();
    noSync[2] = 0;
    assert.throws(
      () => parseMagicPacket(noSync),
      (e) => isSiteportError(e, 'E_WAKE_PACKET'),
    );
    assert.equal(formatMac(Uint8Array.of(1, 2, 3, 4, 5, 255)), '01:02:03:04:05:ff');
  });
});
