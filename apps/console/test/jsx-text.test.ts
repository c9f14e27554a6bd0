import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const SRC = fileURLToPath(new URL('../src', import.meta.url));

/** Attributes a person reads or a screen reader speaks; their text must come from the catalogues too. */
const TEXT_ATTRIBUTES = new Set(['aria-label', 'title', 'placeholder', 'alt', 'label']);

/** Letters of any script: text without letters (" / ", "—", ".", ":") needs no translation. */
const WORDS = /\p{L}/u;

function tsxFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return tsxFiles(full);
    return entry.name.endsWith('.tsx') ? [full] : [];
  });
}

const stringOf = (node: ts.Node | undefined): string | undefined =>
  node !== undefined && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) ? node.text : undefined;

/** `<code>…</code>` holds literals (a command, a file or user name) that no language translates. */
const isCode = (node: ts.Node): boolean => ts.isJsxElement(node) && node.openingElement.tagName.getText() === 'code';

/** Literal, worded text in JSX: text between tags, `{'…'}` children and text attributes, with its line. */
function literalText(source: ts.SourceFile): { line: number; text: string }[] {
  const found: { line: number; text: string }[] = [];
  const report = (node: ts.Node, text: string): void => {
    const at = node.getStart(source) + (text.length - text.trimStart().length);
    if (WORDS.test(text)) found.push({ line: source.getLineAndCharacterOfPosition(at).line + 1, text: text.trim() });
  };
  const visit = (node: ts.Node): void => {
    if (isCode(node)) return;
    if (ts.isJsxText(node)) report(node, node.text);
    else if (ts.isJsxExpression(node) && !ts.isJsxAttribute(node.parent)) report(node, stringOf(node.expression) ?? '');
    else if (ts.isJsxAttribute(node) && TEXT_ATTRIBUTES.has(node.name.getText(source))) {
      const value = node.initializer;
      report(node, stringOf(value !== undefined && ts.isJsxExpression(value) ? value.expression : value) ?? '');
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const parse = (file: string, code: string): ts.SourceFile =>
  ts.createSourceFile(file, code, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);

test('no console view shows literal text: every worded string in JSX comes from the catalogues', () => {
  const files = tsxFiles(SRC);
  assert.ok(files.length >= 15, `found only ${files.length} .tsx files under ${SRC}`);
  const found = files.flatMap((file) =>
    literalText(parse(file, readFileSync(file, 'utf8'))).map((f) => `${path.relative(SRC, file)}:${f.line}: ${f.text}`),
  );
  assert.deepEqual(found, [], 'move these into apps/console/src/i18n/en.json and ko.json');
});

test('the scan finds bare text between tags, string children and text attributes, and passes punctuation and t() calls', () => {
  const code = `export const A = () => (
  <p title="Hover text">
    Bare words {'quoted words'} <b aria-label={'spoken'}>·</b> {t('ok')} / <i placeholder={t('x')} className="not-text">{n}</i> <code>ls -l</code>
  </p>
);`;
  assert.deepEqual(
    literalText(parse('snippet.tsx', code)).map((f) => [f.line, f.text]),
    [
      [2, 'Hover text'],
      [3, 'Bare words'],
      [3, 'quoted words'],
      [3, 'spoken'],
    ],
  );
});
