import i18next from 'i18next';
import { lookup } from './value-text.js';

/** What the console knows of an error: the API's (or the protocol rules') code, English message and details. */
export interface CodedError {
  code: string;
  message: string;
  details?: Record<string, unknown> | undefined;
}

const PLACEHOLDER = /\{\{(\w+)\}\}/g;

/** A detail as the message shows it: port items by their name in the Ports tab, a typed value as JSON like the API. */
function detailText(name: string, value: unknown): string {
  if ((name === 'item' || name === 'other') && typeof value === 'string' && i18next.exists(`ports.items.${value}`)) {
    return lookup(`ports.items.${value}`);
  }
  if (name === 'value') return JSON.stringify(value);
  return typeof value === 'string' || typeof value === 'number' ? String(value) : JSON.stringify(value);
}

/**
 * The message of a coded error in the current language. The API writes English, so English shows
 * the API's own (more specific) message. Another language shows the catalogue's message for the
 * code, filled from the error's details, when it has one and the details hold every value it
 * needs; otherwise the API's English message. An error without a message gets the catalogue's.
 */
export function errorMessage(error: CodedError): string {
  const apiText = error.message === '' ? null : error.message;
  const language = i18next.resolvedLanguage ?? 'en';
  const template: unknown = i18next.getResource(language, 'translation', `errors.${error.code}`);
  if (typeof template !== 'string' || (language === 'en' && apiText !== null)) return apiText ?? error.code;
  const names = [...template.matchAll(PLACEHOLDER)].map((m) => m[1] ?? '');
  const details = error.details ?? {};
  if (!names.every((name) => details[name] !== undefined)) return apiText ?? error.code;
  return lookup(
    `errors.${error.code}`,
    Object.fromEntries(names.map((name) => [name, detailText(name, details[name])])),
  );
}

/** An error line with its code: "message (E_CODE)". */
export function errorWithCode(error: CodedError): string {
  return lookup('errors.withCode', { message: errorMessage(error), code: error.code });
}
