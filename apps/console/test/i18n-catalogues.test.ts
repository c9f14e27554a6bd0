import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { LANGUAGES, initialLanguage } from '../src/i18n/language.js';

type Catalogue = { [key: string]: string | Catalogue };

const catalogue = (language: string): Catalogue =>
  JSON.parse(readFileSync(new URL(`../src/i18n/${language}.json`, import.meta.url), 'utf8')) as Catalogue;

/** `{ a: { b: 'x' } }` → `{ 'a.b': 'x' }`; a value that is neither text nor an object fails. */
function flatten(node: Catalogue, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(node)) {
    if (typeof value === 'string') out.set(prefix + key, value);
    else if (typeof value === 'object' && value !== null && !Array.isArray(value))
      for (const [k, v] of flatten(value, `${prefix}${key}.`)) out.set(k, v);
    else assert.fail(`${prefix}${key} is neither text nor a group of keys`);
  }
  return out;
}

/** The parts of a message a translation must keep: `{{name}}` placeholders and `<tag>`, `</tag>`, `<tag/>` elements. */
function markers(text: string): string[] {
  return [...text.matchAll(/\{\{\s*(\w+)\s*\}\}|<\/?\w+\/?>/g)]
    .map((m) => (m[1] === undefined ? m[0] : `{{${m[1]}}}`))
    .sort();
}

const english = flatten(catalogue('en'));

test('the English catalogue is the reference: every value is non-empty text', () => {
  assert.ok(english.size > 200, `only ${english.size} keys`);
  for (const [key, value] of english) assert.notEqual(value.trim(), '', key);
});

for (const language of LANGUAGES.filter((l) => l !== 'en')) {
  const translated = flatten(catalogue(language));

  test(`the ${language} catalogue has exactly the English keys and no empty value`, () => {
    assert.deepEqual(
      [...translated.keys()].filter((k) => !english.has(k)),
      [],
      `keys only in ${language}.json`,
    );
    assert.deepEqual(
      [...english.keys()].filter((k) => !translated.has(k)),
      [],
      `keys missing from ${language}.json`,
    );
    for (const [key, value] of translated) assert.notEqual(value.trim(), '', `${language}.json ${key} is empty`);
  });

  test(`the ${language} catalogue keeps every placeholder and element of the English messages`, () => {
    for (const [key, value] of english)
      assert.deepEqual(markers(translated.get(key) ?? ''), markers(value), `${language}.json ${key}`);
  });
}

test('Korean is translated, not copied: most values differ from English and contain Hangul', () => {
  const korean = flatten(catalogue('ko'));
  // Values that stay the same in every language: the language names, formats made only of placeholders.
  const hangul = [...korean.values()].filter((v) => /\p{Script=Hangul}/u.test(v)).length;
  assert.ok(hangul / korean.size > 0.85, `${hangul} of ${korean.size} Korean values contain Hangul`);
});

test('the console starts in the stored language, else Korean for a Korean browser, else English', () => {
  assert.equal(initialLanguage(null, 'en-US'), 'en');
  assert.equal(initialLanguage(null, 'ko-KR'), 'ko');
  assert.equal(initialLanguage(null, 'ko'), 'ko');
  assert.equal(initialLanguage(null, 'KO-kr'), 'ko');
  assert.equal(initialLanguage(null, 'de-DE'), 'en');
  assert.equal(initialLanguage(null, undefined), 'en');
  assert.equal(initialLanguage('en', 'ko-KR'), 'en', 'a stored choice wins over the browser');
  assert.equal(initialLanguage('ko', 'en-US'), 'ko');
  assert.equal(initialLanguage('fr', 'en-US'), 'en', 'an unknown stored value is ignored');
});
