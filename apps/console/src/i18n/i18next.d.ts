import type en from './en.json';

// Typed keys: t('nav.sites') compiles, t('nav.site') does not. English is the reference catalogue.
declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'translation';
    resources: { translation: typeof en };
  }
}
