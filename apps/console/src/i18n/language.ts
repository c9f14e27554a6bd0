/** The console's languages: English (the default and the fallback) and Korean. */
export const LANGUAGES = ['en', 'ko'] as const;
export type Language = (typeof LANGUAGES)[number];

/** Where the user's choice is kept in localStorage. */
export const LANGUAGE_STORAGE_KEY = 'siteport.console.language';

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/**
 * The language the console starts in: the stored choice when there is one, else the browser's
 * language (`ko`, `ko-KR`, … → Korean), else English.
 */
export function initialLanguage(stored: string | null, browserLanguage: string | undefined): Language {
  if (isLanguage(stored)) return stored;
  return browserLanguage?.toLowerCase().startsWith('ko') === true ? 'ko' : 'en';
}
