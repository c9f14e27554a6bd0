import { SiteportError } from '../siteport-error.js';

/** Version byte of every notification frame; a peer speaking another version is refused. */
export const NOTIFY_PROTOCOL_VERSION = 1;

/** Largest frame (header included) either side accepts; anything longer closes the connection. */
export const MAX_NOTIFY_FRAME_BYTES = 16 * 1024;

/** Bytes before the payload: 4-byte big-endian length of what follows it, version, type. */
export const NOTIFY_HEADER_BYTES = 6;

/**
 * Frame types of the notification channel. The server opens with `challenge`; the client answers
 * `auth`; the server confirms with `ready`. After that the client sends `ping` (the server answers
 * `pong`), the server sends `action` and the client answers each with `ack`. `error` says why the
 * sender closes the connection.
 */
export const FRAME_TYPES = {
  challenge: 1,
  auth: 2,
  ready: 3,
  ping: 4,
  pong: 5,
  action: 6,
  ack: 7,
  error: 8,
} as const;

export type FrameType = keyof typeof FRAME_TYPES;

const TYPE_BY_CODE = new Map<number, FrameType>(
  Object.entries(FRAME_TYPES).map(([name, code]) => [code, name as FrameType]),
);

/** One decoded frame: its type and raw payload bytes. */
export interface NotifyFrame {
  type: FrameType;
  payload: Uint8Array;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Encodes a frame; a JSON value payload is serialised as UTF-8. */
export function encodeFrame(type: FrameType, payload?: Uint8Array | object): Uint8Array {
  const body =
    payload === undefined
      ? new Uint8Array(0)
      : payload instanceof Uint8Array
        ? payload
        : encoder.encode(JSON.stringify(payload));
  const total = NOTIFY_HEADER_BYTES + body.length;
  if (total > MAX_NOTIFY_FRAME_BYTES) {
    throw new SiteportError(
      'E_NOTIFY_TOO_LARGE',
      `a ${type} frame of ${total} bytes exceeds the ${MAX_NOTIFY_FRAME_BYTES}-byte limit; send less per action`,
    );
  }
  const frame = new Uint8Array(total);
  const view = new DataView(frame.buffer);
  view.setUint32(0, total - 4);
  frame[4] = NOTIFY_PROTOCOL_VERSION;
  frame[5] = FRAME_TYPES[type];
  frame.set(body, NOTIFY_HEADER_BYTES);
  return frame;
}

/** Parses a frame payload as a JSON object; anything else is a malformed frame. */
export function framePayloadJson(frame: NotifyFrame): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(frame.payload));
  } catch (error) {
    throw new SiteportError('E_NOTIFY_FRAME', `the ${frame.type} frame payload is not UTF-8 JSON`, { cause: error });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SiteportError('E_NOTIFY_FRAME', `the ${frame.type} frame payload is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

/**
 * Incremental decoder of a byte stream into frames. It keeps at most one partial frame; a length
 * over {@link MAX_NOTIFY_FRAME_BYTES}, another protocol version or an unknown type throws a
 * SiteportError and the decoder must not be used again (the connection is closed).
 */
export class FrameDecoder {
  private pending: Uint8Array | undefined;

  /** Feeds bytes; returns every frame they complete, in order. */
  push(chunk: Uint8Array): NotifyFrame[] {
    let data = chunk;
    if (this.pending !== undefined) {
      data = new Uint8Array(this.pending.length + chunk.length);
      data.set(this.pending);
      data.set(chunk, this.pending.length);
      this.pending = undefined;
    }
    const frames: NotifyFrame[] = [];
    let offset = 0;
    while (data.length - offset >= 4) {
      const length = new DataView(data.buffer, data.byteOffset + offset, 4).getUint32(0);
      if (length + 4 > MAX_NOTIFY_FRAME_BYTES) {
        throw new SiteportError(
          'E_NOTIFY_TOO_LARGE',
          `a frame announces ${length + 4} bytes, more than the ${MAX_NOTIFY_FRAME_BYTES}-byte limit`,
        );
      }
      if (length < NOTIFY_HEADER_BYTES - 4)
        throw new SiteportError('E_NOTIFY_FRAME', `a frame announces ${length} bytes, too short for a header`);
      if (data.length - offset >= 5 && data[offset + 4] !== NOTIFY_PROTOCOL_VERSION) {
        throw new SiteportError(
          'E_NOTIFY_VERSION',
          `the peer speaks notification protocol version ${String(data[offset + 4])}, this side speaks ${NOTIFY_PROTOCOL_VERSION}; upgrade the older side`,
        );
      }
      if (data.length - offset < length + 4) break;
      const code = data[offset + 5] ?? 0;
      const type = TYPE_BY_CODE.get(code);
      if (type === undefined) throw new SiteportError('E_NOTIFY_FRAME', `unknown frame type ${code}`);
      frames.push({ type, payload: data.slice(offset + NOTIFY_HEADER_BYTES, offset + 4 + length) });
      offset += 4 + length;
    }
    if (offset < data.length) this.pending = data.slice(offset);
    return frames;
  }

  /** Bytes held of an incomplete frame. */
  get buffered(): number {
    return this.pending?.length ?? 0;
  }
}
