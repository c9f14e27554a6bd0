import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { SiteportError } from '@siteport/protocol';

/** A parameter of a prepared statement. */
export type SqlValue = string | number | bigint | null;

/** The parameters of a statement: positional (`?`) or named (`@name`). */
export type SqlParams = readonly SqlValue[] | Readonly<Record<string, SqlValue>>;

/** Statements a read worker may run, by name: the only SQL it ever prepares. */
export type ReadStatements = Readonly<Record<string, string>>;

/** How many reads may wait for the worker at once; past it a read is refused (E_DATABASE_BUSY). */
export const READ_QUEUE_LIMIT = 64;

// Plain JavaScript run by `new Worker(..., { eval: true })`, so it needs no TypeScript loader and no
// file of its own in the compiled CLI: the driver is required by the path the main thread resolved.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { readonly: true, fileMustExist: true });
db.pragma('busy_timeout = 5000');
const statements = new Map(Object.entries(workerData.statements).map(([name, text]) => [name, db.prepare(text)]));
parentPort.on('message', ({ id, name, params }) => {
  try {
    parentPort.postMessage({ id, rows: Array.isArray(params) ? statements.get(name).all(...params) : statements.get(name).all(params) });
  } catch (error) {
    parentPort.postMessage({ id, error: String(error && error.message ? error.message : error) });
  }
});
`;

type Answer = { id: number; rows?: unknown[]; error?: string };

/**
 * Runs long read-only queries of the embedded database on a worker thread with its own read-only
 * connection. better-sqlite3 runs a query on the calling thread; a pass over a large site's rows
 * on the main thread holds every MP request behind it. WAL lets the worker read while the main
 * connection writes; each read sees the last committed state (decision 0100).
 *
 * The worker starts at the first read and restarts after a crash; {@link close} ends it.
 */
export class SqliteReadWorker {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (rows: unknown[]) => void; reject: (error: Error) => void }>();
  private closed = false;

  constructor(
    private readonly file: string,
    private readonly statements: ReadStatements,
  ) {}

  /** The rows of statement `name` with `params`. */
  all<Row>(name: string, params: SqlParams = []): Promise<Row[]> {
    if (this.closed) return Promise.reject(new SiteportError('E_INTERNAL', 'the database read worker is closed'));
    if (!(name in this.statements))
      return Promise.reject(new SiteportError('E_INTERNAL', `no read statement named ${JSON.stringify(name)}`));
    if (this.waiting.size >= READ_QUEUE_LIMIT)
      return Promise.reject(
        new SiteportError(
          'E_DATABASE_BUSY',
          `${READ_QUEUE_LIMIT} database reads are already waiting: try again in a moment`,
        ),
      );
    const id = this.nextId++;
    return new Promise<Row[]>((resolve, reject) => {
      this.waiting.set(id, { resolve: (rows) => resolve(rows as Row[]), reject });
      const worker = this.start();
      // A worker with reads waiting keeps the process alive; an idle one does not.
      worker.ref();
      worker.postMessage({ id, name, params });
    });
  }

  /** Ends the worker; reads still waiting are refused. */
  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    this.fail(new SiteportError('E_INTERNAL', 'the database read worker was closed'));
    if (worker !== undefined) await worker.terminate();
  }

  private start(): Worker {
    if (this.worker !== undefined) return this.worker;
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { driver, file: this.file, statements: this.statements },
    });
    worker.on('message', (answer: Answer) => {
      const entry = this.waiting.get(answer.id);
      if (entry === undefined) return;
      this.waiting.delete(answer.id);
      if (this.waiting.size === 0) worker.unref();
      if (answer.error === undefined) entry.resolve(answer.rows ?? []);
      else entry.reject(new SiteportError('E_INTERNAL', `database read failed: ${answer.error}`));
    });
    worker.on('error', (error) => {
      if (this.worker === worker) this.worker = undefined;
      this.fail(
        new SiteportError('E_INTERNAL', `the database read worker stopped: ${error.message}`, { cause: error }),
      );
    });
    worker.on('exit', () => {
      if (this.worker === worker) this.worker = undefined;
      this.fail(new SiteportError('E_INTERNAL', 'the database read worker stopped'));
    });
    this.worker = worker;
    return worker;
  }

  private fail(error: Error): void {
    const entries = [...this.waiting.values()];
    this.waiting.clear();
    for (const entry of entries) entry.reject(error);
  }
}
