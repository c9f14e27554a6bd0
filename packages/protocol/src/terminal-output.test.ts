import assert from 'node:assert/strict';
import { test } from 'node:test';
import { displayLine, table } from './terminal-output.js';

test('control characters in a line are shown as escapes, so data cannot start a line or drive the terminal', () => {
  assert.equal(displayLine('host-a'), 'host-a');
  assert.equal(displayLine('a\nsiteport: E_NONE: all good'), 'a\\nsiteport: E_NONE: all good');
  assert.equal(displayLine('x\r\x1b[2Jy\u202e'), 'x\\r\\x1b[2Jy\\u202e');
  assert.equal(displayLine(displayLine('\x07')), '\\x07', 'escaping twice changes nothing');
});

test('a table escapes every cell and aligns on the escaped width', () => {
  assert.deepEqual(
    table([
      ['A', 'B'],
      ['x\ny', 'z'],
    ]),
    ['A     B', 'x\\ny  z'],
  );
});
