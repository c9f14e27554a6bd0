import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * A listener whose accept queue is full and which never accepts: the kernel drops every further SYN,
 * so a connect to it stays in SYN-SENT and retransmits until the system's connect timeout (minutes),
 * like an address behind a dropping firewall. Python because Node always accepts.
 */
const SCRIPT = `
import select, socket, sys
host = sys.argv[1]
family = socket.AF_INET6 if ':' in host else socket.AF_INET
listener = socket.socket(family)
listener.bind((host, 0))
listener.listen(0)
port = listener.getsockname()[1]
held = []
while True:
    c = socket.socket(family)
    c.setblocking(False)
    c.connect_ex((host, port))
    _, writable, _ = select.select([], [c], [], 0.5)
    if not writable:
        c.close()
        break
    held.append(c)
    if len(held) > 64:
        sys.exit('the accept queue never filled')
print(port, flush=True)
sys.stdin.read()
`;

export interface StalledListener {
  host: string;
  port: number;
  /** Sockets in SYN-SENT to the listener's port (from `ss`). */
  connecting(): number;
  close(): void;
}

/** Opens a stalled listener on `host` (an address of this host). */
export async function stalledListener(host = '127.0.0.1'): Promise<StalledListener> {
  const child: ChildProcess = spawn('python3', ['-c', SCRIPT, host], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the stalled listener exited (${String(code)})`)));
    createInterface({ input: child.stdout! }).once('line', resolve);
  });
  const port = Number(line);
  return {
    host,
    port,
    // ss asks the kernel with a filter: reading /proc/net/tcp takes long on a host with many sockets.
    connecting: () =>
      execFileSync('ss', ['-Htn', 'state', 'syn-sent', `( dport = :${port} )`], { encoding: 'utf8' })
        .split('\n')
        .filter((row) => row.trim() !== '').length,
    close: () => {
      child.stdin?.end();
      child.kill();
    },
  };
}
