export { startI18n } from './setup.js';
export { type Format, useFormat } from './format.js';
export { errorMessage, errorWithCode } from './error-text.js';
export { lookup, valueText } from './value-text.js';
export { RichText } from './rich-text.js';
export { LanguageSwitch } from './language-switch.js';
