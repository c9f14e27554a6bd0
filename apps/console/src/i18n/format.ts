import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';

/** Locale-aware formatting of what the API returns: timestamps and counts (never port numbers). */
export interface Format {
  /** A timestamp (ISO text or epoch ms) as the current language writes date and time. */
  dateTime: (value: string | number) => string;
  /** A count with the current language's digit grouping. */
  count: (value: number) => string;
}

/** {@link Format} for the current language; components re-render when it changes. */
export function useFormat(): Format {
  const { i18n } = useTranslation();
  const language = i18n.language;
  return useMemo(() => {
    const dates = new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'medium' });
    const numbers = new Intl.NumberFormat(language);
    return { dateTime: (value) => dates.format(new Date(value)), count: (value) => numbers.format(value) };
  }, [language]);
}
