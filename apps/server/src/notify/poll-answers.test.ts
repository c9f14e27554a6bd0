import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NotifyAction } from '@siteport/protocol';
import { PollAnswers } from './poll-answers.js';

describe('PollAnswers', () => {
  it('serialises one push once for every poll it answers, and again for other actions or another port', () => {
    const answers = new PollAnswers();
    const push: readonly NotifyAction[] = [{ id: 'x', action: 'policy' }];
    const first = answers.encode(push, 10123, 60);
    assert.equal(answers.encode(push, 10123, 60), first, 'the same bytes for the same actions array');
    assert.deepEqual(JSON.parse(first.text), {
      actions: [{ id: 'x', action: 'policy' }],
      notificationPort: 10123,
      keepAliveSeconds: 60,
    });
    assert.notEqual(answers.encode([{ id: 'x', action: 'policy' }], 10123, 60), first, 'another array is another push');
    assert.deepEqual(JSON.parse(answers.encode(push, 10124, 60).text).notificationPort, 10124);
    const empty = answers.encode([], 10124, 60);
    assert.equal(answers.encode([], 10124, 60), empty);
    assert.deepEqual(JSON.parse(empty.text), { actions: [], notificationPort: 10124, keepAliveSeconds: 60 });
  });
});
