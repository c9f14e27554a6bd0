import dgram from 'node:dgram';

/** One SRV answer: target host and port. */
export interface SrvAnswer {
  target: string;
  port: number;
  priority?: number;
  weight?: number;
}

function encodeName(name: string): Buffer {
  const parts = name
    .split('.')
    .filter((l) => l.length > 0)
    .map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'ascii')]));
  return Buffer.concat([...parts, Buffer.from([0])]);
}

/**
 * A tiny DNS responder on a loopback UDP port for tests: answers SRV queries for the names it
 * was given (NXDOMAIN otherwise) and counts the queries it saw.
 */
export class SrvResponder {
  readonly queries: string[] = [];
  private readonly socket = dgram.createSocket('udp4');

  constructor(private readonly records: Map<string, SrvAnswer[]>) {}

  async listen(): Promise<string> {
    this.socket.on('message', (msg, rinfo) => this.socket.send(this.answer(msg), rinfo.port, rinfo.address));
    await new Promise<void>((resolve) => this.socket.bind(0, '127.0.0.1', resolve));
    return `127.0.0.1:${this.socket.address().port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  private answer(query: Buffer): Buffer {
    let offset = 12;
    const labels: string[] = [];
    while (query[offset] !== 0 && offset < query.length) {
      const len = query[offset]!;
      labels.push(query.subarray(offset + 1, offset + 1 + len).toString('ascii'));
      offset += len + 1;
    }
    const questionEnd = offset + 5;
    const name = labels.join('.').toLowerCase();
    const type = query.readUInt16BE(offset + 1);
    this.queries.push(name);
    const answers = type === 33 ? (this.records.get(name) ?? []) : [];
    const header = Buffer.alloc(12);
    query.copy(header, 0, 0, 2);
    header.writeUInt16BE(this.records.has(name) ? 0x8180 : 0x8183, 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    const records = answers.map((a) => {
      const target = encodeName(a.target);
      const fixed = Buffer.alloc(18);
      fixed.writeUInt16BE(0xc00c, 0);
      fixed.writeUInt16BE(33, 2);
      fixed.writeUInt16BE(1, 4);
      fixed.writeUInt32BE(60, 6);
      fixed.writeUInt16BE(6 + target.length, 10);
      fixed.writeUInt16BE(a.priority ?? 10, 12);
      fixed.writeUInt16BE(a.weight ?? 10, 14);
      fixed.writeUInt16BE(a.port, 16);
      return Buffer.concat([fixed, target]);
    });
    return Buffer.concat([header, query.subarray(12, questionEnd), ...records]);
  }
}
