import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import en from './en.json';
import ko from './ko.json';
import { LANGUAGE_STORAGE_KEY, type Language, initialLanguage } from './language.js';

/** Every catalogue has the English one's keys (tsc checks missing keys; the catalogue test checks both ways). */
const CATALOGUES: Record<Language, typeof en> = { en, ko };

function storedLanguage(): string | null {
  try {
    return window.localStorage.getItem(LANGUAGE_STORAGE_KEY);
  } catch {
    return null; // storage disabled: fall back to the browser's language
  }
}

/** Starts i18next before the first render, in the stored or the browser's language; `<html lang>` and the page title follow it. */
export function startI18n(): void {
  const lng = initialLanguage(storedLanguage(), window.navigator.language);
  i18next.on('languageChanged', (language: string) => {
    document.documentElement.lang = language;
    document.title = i18next.t('common.brand');
  });
  void i18next.use(initReactI18next).init({
    resources: { en: { translation: CATALOGUES.en }, ko: { translation: CATALOGUES.ko } },
    lng,
    fallbackLng: 'en',
    initAsync: false,
    // React escapes text; escaping here as well would show &lt; in the page.
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  document.documentElement.lang = lng;
  document.title = i18next.t('common.brand');
}

/** Switches the console's language and remembers the choice in this browser. */
export function chooseLanguage(language: Language): void {
  try {
    window.localStorage.setItem(LANGUAGE_STORAGE_KEY, language);
  } catch {
    // storage disabled: the choice lasts until the page is reloaded
  }
  void i18next.changeLanguage(language);
}
