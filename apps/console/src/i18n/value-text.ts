import i18next from 'i18next';

/**
 * The label of a value the API reports (a rollout state, a notify outcome, a client category…):
 * its translation under `values.` when the catalogue has one, else the value itself, so a value
 * a newer server adds still shows.
 */
export function valueText(value: string): string {
  const key = `values.${value}`;
  return i18next.exists(key) ? lookup(key) : value;
}

/** A key built at run time (the typed `t` only takes literal keys); callers check it exists or accept the key as text. */
export function lookup(key: string, options?: Record<string, unknown>): string {
  return (i18next.t as unknown as (key: string, options?: Record<string, unknown>) => string)(key, options);
}
