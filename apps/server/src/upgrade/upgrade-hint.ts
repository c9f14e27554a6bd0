/**
 * What policy announces about agent upgrades, in one MP process: read from the database every
 * `refreshMs` (and at once after a change this process made), so every MP process of the site
 * follows an upgrade started on the site server; when it changes, `onChange` rebuilds the policy.
 */
export class UpgradeHint {
  private current: { id: string } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly deps: {
      read: () => Promise<{ id: string } | undefined>;
      onChange: () => void;
      onError: (error: unknown) => void;
      /** @default 5000 */
      refreshMs?: number;
    },
  ) {}

  /** The announced upgrade, as last read. */
  get value(): { id: string } | undefined {
    return this.current;
  }

  /** Reads once now, then every `refreshMs` until {@link stop}. */
  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.deps.refreshMs ?? 5000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Reads the announced upgrade now (one read at a time); rebuilds the policy when it changed. */
  refresh(): Promise<void> {
    this.running ??= this.read().finally(() => (this.running = undefined));
    return this.running;
  }

  private async read(): Promise<void> {
    try {
      const next = await this.deps.read();
      if (next?.id === this.current?.id) return;
      this.current = next;
      this.deps.onChange();
    } catch (error) {
      this.deps.onError(error);
    }
  }
}
