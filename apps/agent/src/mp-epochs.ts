import { EPOCH_LENGTH } from '@siteport/protocol';

/** Most MP hosts whose epoch is remembered (hosts come from client.json and policy). */
const MAX_EPOCHS = 256;
const EPOCH_PATTERN = new RegExp(`^[A-Za-z0-9_-]{${EPOCH_LENGTH}}$`);

/** By MP host: the epoch its process announced last, which signed requests are bound to. */
export class MpEpochs {
  private readonly epochs = new Map<string, string>();

  get(host: string): string | undefined {
    return this.epochs.get(host);
  }

  /** Remembers a well-formed announced epoch; the map is bounded. */
  note(host: string, announced: string | string[] | undefined): void {
    if (typeof announced !== 'string' || !EPOCH_PATTERN.test(announced) || this.epochs.get(host) === announced) return;
    if (this.epochs.size >= MAX_EPOCHS) this.epochs.clear();
    this.epochs.set(host, announced);
  }
}
