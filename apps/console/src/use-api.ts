import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, describeError } from './api.js';

/** The state of one GET: data, error text (in the current language), and a reload function; optional polling. */
export function useApi<T>(
  path: string | null,
  pollMs?: number,
): { data: T | undefined; error: string | null; reload: () => void } {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<{ failure: unknown } | null>(null);
  useTranslation(); // re-renders on a language switch, so the error text follows it
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((n) => n + 1), []);

  useEffect(() => {
    if (path === null) return undefined;
    let live = true;
    api<T>('GET', path).then(
      (value) => {
        if (!live) return;
        setData(value);
        setError(null);
      },
      (e: unknown) => live && setError({ failure: e }),
    );
    const timer = pollMs === undefined ? undefined : setTimeout(reload, pollMs);
    return () => {
      live = false;
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [path, tick, pollMs, reload]);

  return { data, error: error === null ? null : describeError(error.failure), reload };
}
