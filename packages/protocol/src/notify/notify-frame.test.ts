import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSiteportError } from '../siteport-error.js';
import { FrameDecoder, MAX_NOTIFY_FRAME_BYTES, encodeFrame, framePayloadJson } from './notify-frame.js';

describe('notification frames', () => {
  it('round-trips a JSON frame delivered one byte at a time', () => {
    const frame = encodeFrame('action', { id: 'a1', action: 'policy' });
    const decoder = new FrameDecoder();
    const out = [];
    for (const byte of frame) out.push(...decoder.push(Uint8Array.of(byte)));
    assert.equal(out.length, 1);
    assert.equal(out[0]!.type, 'action');
    assert.deepEqual(framePayloadJson(out[0]!), { id: 'a1', action: 'policy' });
    assert.equal(decoder.buffered, 0);
  });

  it('decodes several frames from one chunk, keeping a partial tail', () => {
    const a = encodeFrame('ping');
    const b = encodeFrame('pong');
    const c = encodeFrame('ack', { id: 'x', ok: true });
    const joined = new Uint8Array([...a, ...b, ...c.slice(0, 5)]);
    const decoder = new FrameDecoder();
    assert.deepEqual(
      decoder.push(joined).map((f) => f.type),
      ['ping', 'pong'],
    );
    assert.equal(decoder.buffered, 5);
    assert.deepEqual(
      decoder.push(c.slice(5)).map((f) => f.type),
      ['ack'],
    );
  });

  it('rejects a frame announcing more than the size limit before buffering it', () => {
    const header = new Uint8Array([0, 1, 0, 0, 1, 6]);
    assert.throws(
      () => new FrameDecoder().push(header),
      (e) => isSiteportError(e, 'E_NOTIFY_TOO_LARGE'),
    );
    assert.throws(
      () => encodeFrame('action', { blob: 'x'.repeat(MAX_NOTIFY_FRAME_BYTES) }),
      (e) => isSiteportError(e, 'E_NOTIFY_TOO_LARGE'),
    );
  });

  it('rejects another protocol version, an unknown type and a too-short length', () => {
    const wrongVersion = encodeFrame('ping');
    wrongVersion[4] = 2;
    assert.throws(
      () => new FrameDecoder().push(wrongVersion),
      (e) => isSiteportError(e, 'E_NOTIFY_VERSION'),
    );
    const unknownType = encodeFrame('ping');
    unknownType[5] = 99;
    assert.throws(
      () => new FrameDecoder().push(unknownType),
      (e) => isSiteportError(e, 'E_NOTIFY_FRAME'),
    );
    assert.throws(
      () => new FrameDecoder().push(new Uint8Array([0, 0, 0, 1, 1])),
      (e) => isSiteportError(e, 'E_NOTIFY_FRAME'),
    );
  });

  it('refuses payloads that are not a UTF-8 JSON object', () => {
    for (const bytes of [
      Uint8Array.of(0xff, 0xfe),
      new TextEncoder().encode('[1,2]'),
      new TextEncoder().encode('{nope'),
    ]) {
      const [frame] = new FrameDecoder().push(encodeFrame('auth', bytes));
      assert.throws(
        () => framePayloadJson(frame!),
        (e) => isSiteportError(e, 'E_NOTIFY_FRAME'),
      );
    }
  });
});
