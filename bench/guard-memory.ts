// The memory ratio of the regression guard: server RSS per client on the TCP notification
// channel against a bare Node.js TLS server holding the same clients, each the least-squares slope
// of settled RSS over the fleet connected in steps (as the notification benchmark measures it).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { newSite, settledRss, startBareTls, startSiteServer, stopProcess } from './bench-process.js';
import { type Fleet, startFleet } from './notify-fleet.js';
import { seedClients } from './seed-clients.js';
import { slope } from './least-squares.js';

export interface MemoryRatio {
  clients: number;
  bareBytesPerClient: number;
  tcpBytesPerClient: number;
  /** siteport / bare: lower is better. */
  ratio: number;
}

/** Connects one key file per step to the process, reading its settled RSS after each; the slope. */
async function bytesPerClient(pid: number, keyFiles: string[], connect: (file: string) => Promise<Fleet>) {
  const fleets: Fleet[] = [];
  const points: [number, number][] = [];
  try {
    for (const file of keyFiles) {
      const fleet = await connect(file);
      fleets.push(fleet);
      if (fleet.failed > 0)
        throw new Error(`${fleet.failed} clients failed to connect: ${JSON.stringify(fleet.failures)}`);
      points.push([fleets.reduce((n, f) => n + f.connected, 0), await settledRss(pid)]);
    }
    return slope(points);
  } finally {
    await Promise.all(fleets.map((f) => f.stop()));
  }
}

/** `clients` seeded clients, connected in `steps` steps to a bare TLS server and then to one MP's notification channel. */
export async function memoryRatio(clients: number, steps = 3): Promise<MemoryRatio> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'siteport-guard-'));
  try {
    await newSite(dir);
    const keyFiles = await seedClients(dir, clients, 'PS1', { perFile: Math.ceil(clients / steps) });
    const caFile = path.join(dir, 'pki', 'ca.pem');
    const source = (file: string): string[] => [`127.0.0.${2 + keyFiles.indexOf(file)}`];

    const bare = await startBareTls(dir);
    let bareBytes: number;
    try {
      bareBytes = await bytesPerClient(bare.child.pid!, keyFiles, (file) =>
        startFleet({
          mode: 'bare',
          targets: [{ host: '127.0.0.1', port: bare.port }],
          caFile,
          keyFiles: [file],
          sourceAddresses: source(file),
        }),
      );
    } finally {
      await stopProcess(bare.child);
    }

    const server = await startSiteServer(dir);
    let tcpBytes: number;
    try {
      tcpBytes = await bytesPerClient(server.child.pid!, keyFiles, (file) =>
        startFleet({
          mode: 'tcp',
          targets: [{ host: '127.0.0.1', port: server.notification }],
          caFile,
          keyFiles: [file],
          sourceAddresses: source(file),
        }),
      );
    } finally {
      await stopProcess(server.child);
    }
    return { clients, bareBytesPerClient: bareBytes, tcpBytesPerClient: tcpBytes, ratio: tcpBytes / bareBytes };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
