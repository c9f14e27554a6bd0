import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, test } from 'node:test';
import i18next from 'i18next';
import { SiteportError, parsePort } from '@siteport/protocol';
import { errorMessage, errorWithCode } from '../src/i18n/error-text.js';

const catalogue = (language: string): object =>
  JSON.parse(readFileSync(new URL(`../src/i18n/${language}.json`, import.meta.url), 'utf8')) as object;

before(async () => {
  await i18next.init({
    resources: { en: { translation: catalogue('en') }, ko: { translation: catalogue('ko') } },
    lng: 'en',
    fallbackLng: 'en',
    interpolation: { escapeValue: false },
  });
});

/** The error the Port Details dialog gets from the protocol's own rule. */
function portRangeError(value: string): SiteportError {
  try {
    parsePort('http', value);
  } catch (error) {
    if (error instanceof SiteportError) return error;
  }
  throw new Error(`parsePort accepted ${value}`);
}

test('in English the API’s own message is shown, with its code', async () => {
  await i18next.changeLanguage('en');
  const error = portRangeError('0');
  assert.equal(errorMessage(error), 'http must be a whole number from 1 to 65535, got "0"');
  assert.equal(errorWithCode(error), 'http must be a whole number from 1 to 65535, got "0" (E_PORT_RANGE)');
  assert.equal(
    errorMessage({ code: 'E_SIGN_IN', message: '' }),
    'wrong user name or password',
    'no message from the API: the catalogue’s',
  );
});

test('in Korean a known code is translated from its details, port items by their Ports-tab name', async () => {
  await i18next.changeLanguage('ko');
  assert.equal(
    errorMessage(portRangeError('0')),
    '클라이언트 요청 HTTP 포트: 포트 번호는 1~65535 사이의 정수여야 합니다(입력값: "0").',
  );
  const conflict = {
    code: 'E_PORT_CONFLICT',
    message: 'https and http would both use TCP port 8443; …',
    details: { item: 'https', other: 'http', port: 8443 },
  };
  assert.match(
    errorWithCode(conflict),
    /^'클라이언트 요청 HTTPS 포트' 항목과 '클라이언트 요청 HTTP 포트' 항목이 같은 TCP 포트 8443을\(를\) .+ \(E_PORT_CONFLICT\)$/,
  );
  assert.equal(
    errorMessage({ code: 'E_SIGN_IN_LOCKED', message: 'locked', details: { retryAfterSeconds: 30 } }),
    '로그인 실패가 너무 많습니다. 30초 후에 다시 시도하세요.',
  );
});

test('in Korean the API’s English message stays when the code is unknown or a detail the translation needs is missing', async () => {
  await i18next.changeLanguage('ko');
  assert.equal(
    errorWithCode({ code: 'E_DIRECTORY_TLS', message: 'the directory certificate is not trusted' }),
    'the directory certificate is not trusted (E_DIRECTORY_TLS)',
  );
  const removed = {
    code: 'E_PORT_RANGE',
    message: 'http cannot be removed; only an alternate port can be set to none',
    details: { item: 'http' },
  };
  assert.equal(errorMessage(removed), removed.message, 'the range message would be wrong here: it has no value');
});
