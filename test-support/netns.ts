import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/**
 * A test host: a Linux network namespace joined to the root namespace by a veth pair on its own
 * /30 subnet. Traffic to it only ever goes to the addresses this test created.
 */
export class TestHost {
  readonly name: string;
  readonly hostAddress: string;
  readonly address: string;
  private readonly hostIf: string;

  constructor(subnet: number) {
    const id = randomBytes(3).toString('hex');
    this.name = `siteport-${id}`;
    this.hostIf = `sp${id}h`;
    const nsIf = `sp${id}n`;
    this.hostAddress = `10.231.${subnet}.1`;
    this.address = `10.231.${subnet}.2`;
    const ip = (...args: string[]): void => void execFileSync('ip', args);
    ip('netns', 'add', this.name);
    ip('link', 'add', this.hostIf, 'type', 'veth', 'peer', 'name', nsIf);
    ip('link', 'set', nsIf, 'netns', this.name);
    ip('addr', 'add', `${this.hostAddress}/30`, 'dev', this.hostIf);
    ip('link', 'set', this.hostIf, 'up');
    this.exec('ip', 'addr', 'add', `${this.address}/30`, 'dev', nsIf);
    this.exec('ip', 'link', 'set', nsIf, 'up');
    this.exec('ip', 'link', 'set', 'lo', 'up');
  }

  /** Runs a command inside the namespace. */
  exec(...command: string[]): string {
    return execFileSync('ip', ['netns', 'exec', this.name, ...command]).toString();
  }

  /** The command prefix that runs a program inside the namespace. */
  get prefix(): string[] {
    return ['ip', 'netns', 'exec', this.name];
  }

  /** A firewall inside this host that rejects outgoing TCP to a port (a firewall between it and the MP). */
  blockOutgoing(port: number): void {
    this.exec('nft', 'add', 'table', 'inet', 'siteport_test');
    this.exec('nft', 'add', 'chain', 'inet', 'siteport_test', 'output', '{ type filter hook output priority 0 ; }');
    this.exec(
      'nft',
      'add',
      'rule',
      'inet',
      'siteport_test',
      'output',
      'tcp',
      'dport',
      String(port),
      'reject',
      'with',
      'tcp',
      'reset',
    );
  }

  remove(): void {
    try {
      execFileSync('ip', ['link', 'del', this.hostIf], { stdio: 'ignore' });
    } catch {
      // Already gone with the namespace.
    }
    execFileSync('ip', ['netns', 'del', this.name], { stdio: 'ignore' });
  }
}
