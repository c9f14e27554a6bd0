import { execFileSync } from 'node:child_process';

/**
 * Blocks TCP ports with a real nftables rule (reject with TCP reset) in a table of the test's
 * own, so a port "fails" the way a firewall makes it fail. `remove()` deletes the table.
 */
export class NftBlock {
  private readonly table = `siteport_test_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
  private created = false;

  block(port: number): void {
    if (!this.created) {
      execFileSync('nft', ['add', 'table', 'inet', this.table]);
      execFileSync('nft', ['add', 'chain', 'inet', this.table, 'input', '{ type filter hook input priority -10 ; }']);
      this.created = true;
    }
    execFileSync('nft', [
      'add',
      'rule',
      'inet',
      this.table,
      'input',
      'tcp',
      'dport',
      String(port),
      'reject',
      'with',
      'tcp',
      'reset',
    ]);
  }

  remove(): void {
    if (!this.created) return;
    execFileSync('nft', ['delete', 'table', 'inet', this.table]);
    this.created = false;
  }
}
