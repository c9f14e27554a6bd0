import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';

/**
 * A test host: a Linux network namespace joined to the root namespace by a veth pair on its own
 * /30 subnet. Traffic to it only ever goes to the addresses this test created.
 */
export class TestHost {
  readonly name: string;
  readonly hostAddress: string;
  readonly address: string;
  private readonly hostIf: string;
  private readonly nsIf: string;

  constructor(subnet: number) {
    const id = randomBytes(3).toString('hex');
    this.name = `siteport-${id}`;
    this.hostIf = `sp${id}h`;
    const nsIf = `sp${id}n`;
    this.nsIf = nsIf;
    this.hostAddress = `10.231.${subnet}.1`;
    this.address = `10.231.${subnet}.2`;
    const ip = (...args: string[]): void => void execFileSync('ip', args);
    removeStaleHolder(this.hostAddress);
    ip('netns', 'add', this.name);
    ip('link', 'add', this.hostIf, 'type', 'veth', 'peer', 'name', nsIf);
    ip('link', 'set', nsIf, 'netns', this.name);
    ip('addr', 'add', `${this.hostAddress}/30`, 'dev', this.hostIf);
    ip('link', 'set', this.hostIf, 'up');
    this.exec('ip', 'addr', 'add', `${this.address}/30`, 'dev', nsIf);
    this.exec('ip', 'link', 'set', nsIf, 'up');
    this.exec('ip', 'link', 'set', 'lo', 'up');
  }

  /**
   * Gives both ends of the veth pair an IPv6 ULA address in fd5e:5170:<subnet>::/64 (no duplicate
   * address detection, so they work at once). Returns the root side's and the namespace's address.
   */
  addIpv6(subnet: number): { hostAddress: string; address: string } {
    const hostAddress = `fd5e:5170:${subnet.toString(16)}::1`;
    const address = `fd5e:5170:${subnet.toString(16)}::2`;
    execFileSync('ip', ['-6', 'addr', 'add', `${hostAddress}/64`, 'dev', this.hostIf, 'nodad']);
    this.exec('ip', '-6', 'addr', 'add', `${address}/64`, 'dev', this.nsIf, 'nodad');
    return { hostAddress, address };
  }

  /** Writes the namespace's own /etc/hosts (`ip netns exec` mounts /etc/netns/<name>/hosts over it). */
  setHosts(lines: readonly string[]): void {
    mkdirSync(`/etc/netns/${this.name}`, { recursive: true });
    writeFileSync(`/etc/netns/${this.name}/hosts`, `127.0.0.1 localhost\n::1 localhost\n${lines.join('\n')}\n`);
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
    removeHost(this.name, this.hostIf);
  }
}

function removeHost(name: string, hostIf: string): void {
  try {
    execFileSync('ip', ['link', 'del', hostIf], { stdio: 'ignore' });
  } catch {
    // Already gone with the namespace.
  }
  try {
    execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
  } catch {
    // Never made, or already deleted.
  }
  rmSync(`/etc/netns/${name}`, { recursive: true, force: true });
}

/**
 * Removes a test host left behind by a run that was killed before its clean-up: its veth still
 * holds this subnet's address, which would make the new host's routes and the MP's binds ambiguous.
 * Test files never share a subnet, so a holder of ours is always a leftover. Returns its name.
 */
export function removeStaleHolder(hostAddress: string): string | undefined {
  const lines = execFileSync('ip', ['-o', '-4', 'addr', 'show', 'to', hostAddress]).toString();
  const stale = /^\d+:\s+sp([0-9a-f]{6})h[@\s]/m.exec(lines);
  if (stale === null) return undefined;
  const name = `siteport-${stale[1]}`;
  removeHost(name, `sp${stale[1]}h`);
  process.stderr.write(`removed test host ${name} left behind by an earlier run (it held ${hostAddress})\n`);
  return name;
}
