/** One check of `/ready`. */
export interface ReadinessCheck {
  name: string;
  ok: boolean;
  detail: string;
}

/** A named check; it throws or returns a failing result when not ready. */
export type Check = () => Promise<ReadinessCheck>;

const CHECK_TIMEOUT_MS = 2000;

/** Runs a check with a deadline: a check that hangs (a database that does not answer) fails instead. */
async function bounded(name: string, check: Check): Promise<ReadinessCheck> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ReadinessCheck>((resolve) => {
    timer = setTimeout(
      () => resolve({ name, ok: false, detail: `no answer within ${CHECK_TIMEOUT_MS} ms` }),
      CHECK_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([
      check().catch((error: unknown) => ({
        name,
        ok: false,
        detail: error instanceof Error ? error.message : String(error),
      })),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs every check at once; ready when all pass. */
export async function readiness(
  checks: Readonly<Record<string, Check>>,
): Promise<{ ready: boolean; checks: ReadinessCheck[] }> {
  const results = await Promise.all(Object.entries(checks).map(([name, check]) => bounded(name, check)));
  return { ready: results.every((r) => r.ok), checks: results };
}
