import assert from 'node:assert/strict';
import {
  ATTEMPT_DETAILS,
  MAX_ATTEMPTS,
  type MessageFacts,
  queryTerms,
  searchTerms,
  transitions,
} from '../../bot/sync/ledger.ts';

const facts: MessageFacts = {
  messageId: 'AAkAL-1',
  folderId: 'inbox',
  subject: 'Application',
  from: 'ava@outlook.com',
  receivedAt: '2026-11-01T10:00:00Z',
  direction: 'received',
};
const T0 = '2026-11-20T10:00:00.000Z';
const T1 = '2026-11-20T11:00:00.000Z';

/** A success's details, with what a test cares about changed. */
const success = (over: Partial<Parameters<typeof transitions.synced>[3]> = {}) => ({
  activityId: 'act-1',
  linkType: 'Cand' as const,
  candidates: ['c1'],
  contacts: [],
  detail: 'full' as const,
  failedAttempts: 0,
  notes: [],
  ...over,
});

describe('ledger transitions', () => {
  it('degrades attempts as the seeds do: whole email, headers and body, headers only', () => {
    assert.deepEqual(ATTEMPT_DETAILS, ['full', 'headers_body', 'headers']);
  });

  it('records a first-time success as synced with its activity and link type', () => {
    const entry = transitions.synced('pk', facts, undefined, success(), T0);
    assert.equal(entry.status, 'synced');
    assert.equal(entry.attempts, 1);
    assert.equal(entry.activityId, 'act-1');
    assert.equal(entry.note, undefined);
    assert.equal(entry.createdAt, T0);
  });

  it('says so when only a degraded attempt got through', () => {
    const entry = transitions.synced(
      'pk',
      facts,
      undefined,
      success({ linkType: 'Con', candidates: [], contacts: ['k1'], detail: 'headers', failedAttempts: 2 }),
      T0,
    );
    assert.equal(entry.attempts, 3);
    assert.match(entry.note ?? '', /^synced with headers only after 2 failed attempt/);
  });

  it('becomes Error after the third failure, with the last error as its note', () => {
    const entry = transitions.failed('pk', facts, undefined, 3, 'CRM rejected the activity', T0);
    assert.equal(entry.status, 'error');
    assert.equal(entry.attempts, 3);
    assert.equal(entry.note, 'CRM rejected the activity');
  });

  it('waits as pending, with when, after an outage: no attempt spent, an earlier activity kept', () => {
    const pending = transitions.pending('pk', facts, undefined, 'the CRM cannot be reached', T1, T0);
    assert.equal(pending?.status, 'pending');
    assert.equal(pending?.attempts, 0);
    assert.equal(pending?.retryAt, T1);
    assert.equal(pending?.note, 'waiting to retry: the CRM cannot be reached');
    const synced = transitions.synced('pk', facts, pending, success(), T1);
    assert.equal(synced.retryAt, undefined, 'a success clears the wait');
    assert.equal(synced.status, 'synced');
    // A synced email whose links an outage kept from being refreshed (resend all) stays synced.
    assert.equal(transitions.pending('pk', facts, synced, 'x', T1, T1), undefined);
  });

  it('is found by whole words of the subject and by each address, its domain and its local part', () => {
    const terms = searchTerms('Re: Senior Java role — interview Tuesday', {
      address: 'Ava.Kim@Outlook.com',
      name: 'Ava Kimura',
    });
    for (const term of ['senior', 'java', 'interview', 'ava.kim@outlook.com', 'outlook.com', 'kim', 'kimura'])
      assert.ok(terms.includes(term), term);
    assert.ok(!terms.includes('re:'), 'punctuation is not part of a word');
    assert.deepEqual(queryTerms('  Java  AVA.KIM@outlook.com @northwind.example '), [
      'java',
      'ava.kim@outlook.com',
      'northwind.example',
    ]);
    const hostile = searchTerms('a'.repeat(100_000) + ' b'.repeat(50_000), undefined);
    assert.ok(hostile.length <= 16, 'bounded whatever the subject');
    // A subject of many words still leaves room for the person.
    const long = searchTerms(Array.from({ length: 40 }, (_, i) => `word${i}`).join(' '), {
      address: 'a@b.example',
    });
    assert.ok(long.includes('a@b.example') && long.includes('b.example'));
  });

  // The engine records a failure only after all three attempts (ATTEMPT_DETAILS), so these are the
  // failures it records: a first one, an Error item retried in vain, and a synced email sent again.
  it('an Error item retried in vain stays Error, counting every attempt, with the newest error as its note', () => {
    const first = transitions.failed('pk', facts, undefined, MAX_ATTEMPTS, 'CRM rejected the activity', T0);
    const again = transitions.failed('pk', facts, first, MAX_ATTEMPTS, 'CRM still rejects it', T1);
    assert.equal(again.status, 'error');
    assert.equal(again.attempts, 2 * MAX_ATTEMPTS);
    assert.equal(again.note, 'CRM still rejects it');
    assert.equal(again.createdAt, T0);
    assert.equal(again.updatedAt, T1);
  });

  it('a synced email sent again that fails becomes Error but keeps its CRM activity', () => {
    const synced = transitions.synced('pk', facts, undefined, success(), T0);
    const failed = transitions.failed('pk', facts, synced, MAX_ATTEMPTS, 'Graph answered 400', T1);
    assert.equal(failed.status, 'error');
    assert.equal(failed.activityId, 'act-1', 'the activity already in the CRM is not forgotten');
    assert.equal(failed.attempts, 1 + MAX_ATTEMPTS);
    assert.equal(failed.createdAt, T0);
  });

  it('keeps counting attempts and its creation time across a retry of an Error item', () => {
    const failed = transitions.failed('pk', facts, undefined, 3, 'x', T0);
    const retried = transitions.synced('pk', facts, failed, success(), T1);
    assert.equal(retried.status, 'synced');
    assert.equal(retried.attempts, 4);
    assert.equal(retried.createdAt, T0);
    assert.equal(retried.updatedAt, T1);
  });

  it('records no match with the reason as the note, keeping an earlier activity id', () => {
    const synced = transitions.synced('pk', facts, undefined, success(), T0);
    const entry = transitions.notSynced(
      'pk',
      facts,
      synced,
      'no_match',
      'blocked: every address to match is on your blocklist',
      T1,
    );
    assert.equal(entry.status, 'no_match');
    assert.equal(entry.note, 'blocked: every address to match is on your blocklist');
    assert.equal(entry.activityId, 'act-1');
  });
});
