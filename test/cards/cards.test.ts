import assert from 'node:assert/strict';
import { helpCard } from '../../bot/cards/help-card.ts';
import { associateDialogCard, linkedCard, recordCard, syncDialogCard } from '../../bot/cards/record-cards.ts';
import type { CrmRecord } from '../../bot/crm/crm.port.ts';
import { summarize } from '../../bot/crm/message-linking.ts';
import { notificationCard } from '../../bot/notifications/notification-events.ts';
import {
  captureErrorCard,
  captureFormCard,
  capturedCard,
  capturePickCard,
  profileFromForm,
} from '../../bot/cards/capture-cards.ts';
import { tabLinks } from '../../bot/tab/tab-links.ts';
import {
  accessCard,
  failureCard,
  noticeCard,
  notificationsCard,
  welcomeCard,
} from '../../bot/cards/notice-cards.ts';
import {
  errorsCard,
  progressCard,
  retryResultCard,
  runResultCard,
  settingsCard,
  statusCard,
} from '../../bot/cards/sync-cards.ts';
import {
  resendAllCancelledCard,
  resendAllConfirmCard,
  resendAllQueuedCard,
} from '../../bot/cards/resend-cards.ts';
import type { LedgerEntry } from '../../bot/sync/ledger.ts';
import type { RunSummary } from '../../bot/sync/sync-state.ts';
import { COMMANDS } from '../../bot/teams/commands.ts';
import { escapeMarkdown, plainTextCard } from '../../bot/cards/plain-text.ts';
import { formatText } from 'adaptivecards/lib/text-formatters.js';
import { cardDate, cardDateTime } from '../../bot/cards/card-time.ts';
import { cardProblems } from '../support/adaptive-cards.ts';

const summary: RunSummary = {
  runId: 'r',
  mode: 'all',
  trigger: 'manual',
  status: 'completed',
  startedAt: '2026-11-20T10:00:00.000Z',
  finishedAt: '2026-11-20T10:01:00.000Z',
  folders: 2,
  processed: 10,
  synced: 7,
  noMatch: 2,
  errors: 1,
  skipped: 0,
  keptOut: 0,
  alreadySynced: 0,
  activitiesCreated: 7,
};
const entry: LedgerEntry = {
  id: 'msg-1',
  pk: 'pk',
  messageId: 'AAk1',
  folderId: 'inbox',
  subject: 'Offer',
  from: 'ava@outlook.com',
  receivedAt: '2026-11-19T09:00:00.000Z',
  direction: 'received',
  status: 'error',
  note: 'the CRM rejected it',
  attempts: 3,
  createdAt: '2026-11-19T09:00:00.000Z',
  updatedAt: '2026-11-19T09:00:00.000Z',
};
const counts = { synced: 7, no_match: 2, error: 1, pending: 0, skipped: 1 };
const candidate: CrmRecord = {
  id: 'candidate-1',
  type: 'candidate',
  name: 'Ava Kim',
  emails: ['ava.kim@outlook.com', 'ava@work.com'],
  phone: '+1 206 555 0100',
  role: 'Data Analyst',
};
const contact: CrmRecord = {
  id: 'contact-1',
  type: 'contact',
  name: 'Jordan Lee',
  emails: ['jordan.lee@contoso.com'],
  role: 'HR Manager',
  companyName: 'Contoso Ltd',
  lastActivityAt: '2026-11-19T10:00:00.000Z',
};
const summary1 = summarize({
  id: '1',
  subject: 'FW: Offer',
  body: { contentType: 'html', content: '<p>from ava.kim@outlook.com</p>' },
  from: { user: { displayName: 'Sam' } },
  createdDateTime: '2026-11-19T08:00:00.000Z',
});

const cards: Record<string, unknown> = {
  help: helpCard({ commands: COMMANDS }),
  'help after unknown input': helpCard({ commands: COMMANDS, unknownInput: 'do my job' }),
  welcome: welcomeCard({ syncOn: false, settingsUrl: 'https://app.example/tab' }),
  'welcome, sync on, no tab yet': welcomeCard({ syncOn: true, settingsUrl: '' }),
  'access: tenant': accessCard({ reason: 'tenant_disabled', settingsUrl: '' }),
  'access: sync off': accessCard({ reason: 'sync_off', settingsUrl: 'https://app.example/tab' }),
  notice: noticeCard('Sync paused', 'text', 'Good'),
  failure: failureCard('7f2c'),
  'resend all: confirm': resendAllConfirmCard({
    folders: ['inbox', 'sentitems'],
    cutoff: '2026-11-01 00:00 UTC',
  }),
  'resend all: confirm, with contacts and calendar': resendAllConfirmCard({
    folders: ['inbox'],
    cutoff: '2026-11-01 00:00 UTC',
    otherKinds: ['Contacts', 'Calendar'],
  }),
  'resend all: queued': resendAllQueuedCard(),
  'resend all: cancelled': resendAllCancelledCard(),
  status: statusCard({
    active: true,
    emailSync: true,
    counts,
    folders: ['inbox'],
    lastRun: summary,
    settingsUrl: 'https://app.example/tab',
  }),
  'status, paused, needs consent': statusCard({
    active: false,
    emailSync: true,
    mailboxStatus: 'needs_consent',
    mailboxNote: 'Graph said 403',
    counts,
    folders: [],
    settingsUrl: '',
  }),
  'status with contacts, tasks and calendar': statusCard({
    active: true,
    emailSync: false,
    counts,
    items: {
      contact: { enabled: true, counts: { ...counts, synced: 7, error: 1 } },
      task: { enabled: false, counts: { synced: 0, no_match: 0, error: 0, pending: 0, skipped: 0 } },
      event: { enabled: true, counts: { ...counts, synced: 30, skipped: 2 } },
    },
    folders: [],
    settingsUrl: '',
  }),
  'progress of items': progressCard({
    folder: 'Contacts: Clients',
    processed: 10,
    total: 10,
    counts,
    items: { processed: 5, synced: 4, unchanged: 1, removed: 0, skipped: 0, errors: 0 },
  }),
  'run result with items': runResultCard(
    {
      ...summary,
      items: { contact: { processed: 5, synced: 4, unchanged: 1, removed: 0, skipped: 0, errors: 0 } },
    },
    '',
  ),
  'progress at 0%': progressCard({ folder: 'starting', processed: 0, total: 0, counts }),
  'progress at 100%': progressCard({ folder: 'Inbox', processed: 50, total: 50, counts }),
  'run result': runResultCard(summary, 'https://app.example/tab'),
  'run result paused': runResultCard({ ...summary, status: 'paused', note: 'network' }, ''),
  'run result busy': runResultCard({ ...summary, status: 'busy', note: 'already running' }, ''),
  errors: errorsCard([entry, { ...entry, messageId: 'AAk2', subject: '' }]),
  'no errors': errorsCard([]),
  'errors with jobs set aside': errorsCard(
    [entry],
    [{ reason: 'failed 5 times: Graph answered 400', poisonedAt: '2026-11-20T10:00:00.000Z' }],
  ),
  'only jobs set aside': errorsCard(
    [],
    [{ reason: 'failed 5 times', poisonedAt: '2026-11-20T10:00:00.000Z' }],
  ),
  'digest with errors': notificationCard({
    id: 'd',
    pk: 'outbox',
    kind: 'outbox',
    tenantId: 't',
    userId: 'u',
    title: '2 emails could not be synced',
    text: '5 synced, 1 with no match, 2 errors',
    severity: 'error',
    counts: { synced: 5, noMatch: 1, errors: 2, runs: 3 },
    state: 'pending',
    attempts: 0,
    sendAfter: 0,
    createdAt: '2026-11-20T10:00:00.000Z',
  }),
  'digest naming records and emails': notificationCard(
    {
      id: 'd2',
      pk: 'outbox',
      kind: 'outbox',
      tenantId: 't',
      userId: 'u',
      title: '1 email could not be synced',
      text: '9 synced, 0 with no match, 1 errors',
      severity: 'error',
      counts: { synced: 9, noMatch: 0, errors: 1, runs: 1 },
      contents: {
        emails: [
          {
            subject: '[Click](https://phish.example)',
            receivedAt: '2026-11-20T09:00:00.000Z',
            linkType: 'CandCon',
          },
        ],
        records: ['1', '2', '3', '4', '5'].map((n) => ({
          type: 'candidate' as const,
          id: `c${n}`,
          name: `Cand ${n}`,
        })),
        more: false,
      },
      state: 'pending',
      attempts: 0,
      sendAfter: 0,
      createdAt: '2026-11-20T10:00:00.000Z',
    },
    tabLinks('https://app.example'),
  ),
  'retry result': retryResultCard('Offer', { ...entry, status: 'synced' }),
  'candidate card': recordCard(candidate, 'https://app.example/tab/records/candidate/candidate-1'),
  'contact card': recordCard(contact, 'https://app.example/tab/records/contact/contact-1'),
  'sync dialog with matches': syncDialogCard(summary1, [candidate, contact]),
  'sync dialog without a match': syncDialogCard({ ...summary1, addresses: [] }, []),
  'associate dialog, no search yet': associateDialogCard(summary1, '', undefined),
  'associate dialog with results': associateDialogCard(summary1, 'ava', [candidate]),
  'associate dialog, nothing found': associateDialogCard(summary1, 'zz', []),
  'linked result': linkedCard(
    summary1,
    [
      { record: candidate, url: 'https://app.example/x' },
      { record: contact, url: 'https://app.example/y' },
    ],
    true,
  ),
  'linked nothing': linkedCard(summary1, [], false),
  notifications: notificationsCard(
    [
      {
        title: 'Sync finished',
        text: '12 synced',
        severity: 'success',
        read: false,
        createdAt: '2026-11-20T10:00:00.000Z',
      },
      { title: 'Error', text: 'x', severity: 'error', read: true, createdAt: '2026-11-19T10:00:00.000Z' },
      { title: 'Warning', text: 'y', severity: 'warning', read: true, createdAt: '2026-11-18T10:00:00.000Z' },
    ],
    1,
  ),
  'no notifications': notificationsCard([], 0),
  'capture: pick the resume': capturePickCard([
    { ref: 'file:0', title: 'Ava Kim CV.pdf' },
    { ref: 'text', title: 'The message’s text' },
  ]),
  'capture: the form, with a duplicate': captureFormCard(
    {
      resume: {
        text: 'Ava Kim\nava@example.org\n+1 206 555 0142',
        name: { value: 'Ava Kim', confidence: 0.9, source: { start: 0, end: 7 } },
        emails: [{ value: 'ava@example.org', confidence: 1, source: { start: 8, end: 23 } }],
        phones: [],
        links: [],
        skills: [{ value: 'Python', confidence: 1 }],
        history: [{ employer: 'Contoso', title: 'Engineer', start: '2020', confidence: 0.7 }],
        education: [],
      },
      draft: {
        name: 'Ava Kim',
        emails: ['ava@example.org'],
        links: [],
        skills: ['Python'],
        history: [{ employer: 'Contoso', title: 'Engineer', start: '2020' }],
        education: [],
      },
      duplicates: [{ record: candidate, reason: 'name and phone' }],
      heldPrivately: false,
    },
    { ref: 'file:0', share: 'private', sourceName: 'Ava Kim CV.pdf' },
  ),
  'capture: candidate created': capturedCard(candidate, 'https://app.example/tab/records/candidate/c1', true),
  'capture: refused, with Retry': captureErrorCard('This PDF has no text to read.', {
    ref: 'file:0',
    share: 'public',
  }),
  'capture failed notice': notificationCard(
    {
      id: 'x',
      pk: 'outbox',
      kind: 'outbox',
      tenantId: 't',
      userId: 'u',
      title: 'CaptureME could not make a candidate',
      text: 'No name found in the resume.',
      severity: 'error',
      open: 'captured',
      state: 'pending',
      attempts: 0,
      sendAfter: 0,
      createdAt: '2026-11-20T10:00:00.000Z',
    },
    tabLinks('https://app.example/'),
  ),
  settings: settingsCard({
    emailSync: true,
    active: false,
    folders: ['inbox'],
    includeSubfolders: true,
    attachments: true,
    attachmentMaxMb: 25,
    cutoff: '2026-11-01T00:00:00.000Z',
    visibility: 'full',
    matchAllParticipants: false,
    skipInternalOnly: true,
    blocklist: ['@spam.example'],
    schedule: { kind: 'daily', at: '22:00', timeZone: 'Europe/London' },
    settingsUrl: '',
  }),
};

describe('Adaptive Cards the bot sends', () => {
  for (const [name, card] of Object.entries(cards)) {
    it(`${name}: valid Adaptive Cards 1.5 with no parser errors`, () => {
      assert.deepEqual(cardProblems(JSON.parse(JSON.stringify(card))), []);
    });
  }

  it('sync status gives each kind besides email: on or off, and its counts', () => {
    const card = JSON.stringify(cards['status with contacts, tasks and calendar']);
    assert.match(
      card,
      /"title":"Sync","value":"Active"}.*"title":"Email","value":"Off"}.*"title":"Contacts","value":"On: 7 synced, 1 error, 1 kept out"/,
    );
    assert.match(card, /"title":"Tasks","value":"Off"/);
    assert.match(card, /"title":"Calendar","value":"On: 30 synced, 1 error, 2 kept out"/);
    assert.match(
      JSON.stringify(cards['run result with items']),
      /"title":"Contacts","value":"4 synced, 1 unchanged, 0 errors"/,
    );
    assert.match(JSON.stringify(cards['progress of items']), /Now: Contacts: Clients/);
    assert.match(
      JSON.stringify(cards['resend all: confirm, with contacts and calendar']),
      /Contacts, Calendar: written to the CRM again too/,
    );
    assert.doesNotMatch(JSON.stringify(cards['resend all: confirm']), /written to the CRM again too/);
  });

  it('CaptureME: the form keeps every field editable with its source, offers the duplicate, and round-trips', () => {
    const form = JSON.stringify(cards['capture: the form, with a duplicate']);
    assert.match(form, /"id":"name".*"value":"Ava Kim"/);
    assert.match(form, /From the resume \(90 %\): “Ava Kim/);
    assert.match(form, /"title":"Update .* \(same name and phone\)"/);
    assert.match(form, /"title":"Create a new candidate","value":"new"/);
    const profile = profileFromForm({
      name: ' Ava Kim ',
      emails: 'ava@example.org, AVA@work.example;',
      phone: '',
      skills: 'Python, SQL\nC#',
      links: 'https://github.com/ava https://ava.dev',
      history: 'Engineer | Contoso | 2020 | Present\n\n | Fabrikam |  | \nnot | split | more | than | four',
      education: 'UW | BSc | 2016\n | no school | 2010',
    });
    assert.deepEqual(profile, {
      name: 'Ava Kim',
      emails: ['ava@example.org', 'AVA@work.example'],
      links: ['https://github.com/ava', 'https://ava.dev'],
      skills: ['Python', 'SQL', 'C#'],
      history: [
        { title: 'Engineer', employer: 'Contoso', start: '2020', end: 'Present' },
        { employer: 'Fabrikam' },
        { title: 'not', employer: 'split', start: 'more', end: 'than' },
      ],
      education: [{ institution: 'UW', degree: 'BSc', year: '2016' }],
    });
    assert.match(form, /"id":"history".*"value":"Engineer \| Contoso \| 2020 \| "/);
    assert.match(
      JSON.stringify(cards['capture failed notice']),
      /"title":"Retry in the Emails view","url":"[^"]*status=captured/,
    );
  });

  it('the linked result names the link type, Cand, Con or CandCon, as the seeds do', () => {
    const text = (records: CrmRecord[]) =>
      JSON.stringify(
        linkedCard(
          summary1,
          records.map((record) => ({ record, url: 'https://app.example/x' })),
          true,
        ),
      );
    assert.match(text([candidate]), /Link type: Cand"/);
    assert.match(text([contact]), /Link type: Con"/);
    assert.match(text([candidate, contact]), /Link type: CandCon"/);
  });

  it('the errors card and the retry result name each email’s link type, Cand, Con or CandCon', () => {
    const errors = texts(
      errorsCard([
        { ...entry, linkType: 'CandCon' },
        { ...entry, messageId: 'AAk2', linkType: 'Con' },
      ]),
    );
    assert.ok(
      errors.some((t) => /^ava@outlook\.com · \{\{DATE\(.*\)\}\} \{\{TIME\(.*\)\}\} · CandCon$/.test(t)),
      errors.join(' | '),
    );
    assert.ok(
      errors.some((t) => / · Con$/.test(t)),
      errors.join(' | '),
    );
    const retried = texts(retryResultCard('Offer', { ...entry, status: 'synced', linkType: 'Cand' }));
    assert.ok(retried.includes('Link type: Cand'), retried.join(' | '));
  });

  it('a digest keeps to five actions: Show errors, three Show buttons and the Emails view for the others', () => {
    const card = cards['digest naming records and emails'] as {
      actions: Array<{ title: string; url?: string }>;
    };
    assert.deepEqual(
      card.actions.map((a) => a.title),
      [
        'Show errors and retry',
        'Show Candidate: Cand 1',
        'Show Candidate: Cand 2',
        'Show Candidate: Cand 3',
        'Open the Emails view',
      ],
    );
    assert.equal(card.actions[1]?.url, 'https://app.example/tab/records/candidate/c1');
    assert.equal(card.actions[4]?.url, 'https://app.example/tab/settings/emails');
    // The subject comes from mail: it reaches Teams as plain text.
    assert.ok(
      JSON.stringify(plainTextCard(card as never)).includes(
        String.raw`\\[Click\\](https://phish.example) · {{DATE(2026-11-20T09:00:00Z, SHORT)}}`,
      ),
    );
  });

  it('the checker itself catches an element Teams cannot render at 1.5', () => {
    assert.notDeepEqual(
      cardProblems({ type: 'AdaptiveCard', version: '1.5', body: [{ type: 'ProgressBar', value: 1 }] }),
      [],
    );
    assert.notDeepEqual(
      cardProblems({
        type: 'AdaptiveCard',
        version: '1.5',
        body: [{ type: 'TextBlock', text: 'x', color: 'Purple' }],
      }),
      [],
    );
  });
});

/** Every TextBlock text and Fact title and value of a card, as Teams would get it. */
function texts(card: unknown): string[] {
  const found: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const n = node as Record<string, unknown>;
    if (n.type === 'TextBlock' && typeof n.text === 'string') found.push(n.text);
    if (n.type === 'FactSet' && Array.isArray(n.facts))
      for (const f of n.facts as Array<{ title: string; value: string }>) found.push(f.title, f.value);
    Object.values(n).forEach(walk);
  };
  walk(JSON.parse(JSON.stringify(plainTextCard(card as never))));
  return found;
}

describe('times in cards are shown in the viewer’s own time zone', () => {
  it('are Adaptive Cards DATE() and TIME() functions of an RFC 3339 UTC time with whole seconds', () => {
    assert.equal(
      cardDateTime('2026-11-20T10:01:00.123Z'),
      '{{DATE(2026-11-20T10:01:00Z, SHORT)}} {{TIME(2026-11-20T10:01:00Z)}}',
    );
    assert.equal(cardDate('2026-11-20T10:01:00.000Z'), '{{DATE(2026-11-20T10:01:00Z, SHORT)}}');
    assert.equal(cardDateTime(undefined), 'never');
    assert.equal(cardDateTime('not a time', 'unknown'), 'unknown');
  });

  it('every card that shows a time uses the functions, in text blocks, and no card says UTC', () => {
    const timed = {
      status: /Last run: \{\{DATE\(2026-11-20T10:01:00Z, SHORT\)\}\} \{\{TIME\(2026-11-20T10:01:00Z\)\}\}/,
      errors:
        /ava@outlook\.com · \{\{DATE\(2026-11-19T09:00:00Z, SHORT\)\}\} \{\{TIME\(2026-11-19T09:00:00Z\)\}\}/,
      'errors with jobs set aside':
        /\{\{DATE\(2026-11-20T10:00:00Z, SHORT\)\}\} \{\{TIME\(2026-11-20T10:00:00Z\)\}\}: failed 5 times/,
      'contact card': /Last activity: \{\{DATE\(2026-11-19T10:00:00Z, SHORT\)\}\}/,
      notifications:
        /^\{\{DATE\(2026-11-20T10:00:00Z, SHORT\)\}\} \{\{TIME\(2026-11-20T10:00:00Z\)\}\} · 12 synced/,
      settings: /Emails before \{\{DATE\(2026-11-01T00:00:00Z, SHORT\)\}\} are not synced/,
      'sync dialog with matches': /From Sam · \{\{DATE\(/,
    } as const;
    for (const [name, pattern] of Object.entries(timed)) {
      const blocks = texts(cards[name]);
      assert.ok(
        blocks.some((t) => pattern.test(t)),
        `${name}: no text block matches ${pattern}: ${blocks.join(' | ')}`,
      );
    }
    for (const [name, card] of Object.entries(cards)) {
      const all = JSON.stringify(card);
      assert.doesNotMatch(all, /UTC/, name);
      // An ISO time left as text would be read as UTC: every one is inside DATE() or TIME().
      assert.doesNotMatch(all.replace(/\{\{(DATE|TIME)\([^)]*\)\}\}/g, ''), /\d{4}-\d{2}-\d{2}T\d{2}:/, name);
    }
  });

  it('the official renderer fills every one in, so none is shown raw (times only in text blocks, not facts)', () => {
    for (const [name, card] of Object.entries(cards)) {
      for (const text of texts(card)) {
        assert.doesNotMatch(formatText('en-US', text) ?? '', /\{\{/, `${name}: ${text}`);
      }
      const facts = JSON.stringify((JSON.stringify(card).match(/"facts":\[[^\]]*\]/g) ?? []).join(''));
      assert.doesNotMatch(facts, /\{\{(DATE|TIME)/, `${name}: a time in a fact`);
    }
  });
});

describe('card text from mail is plain text', () => {
  it('escapes inline Markdown anywhere and block Markdown at the start of a line', () => {
    assert.equal(
      escapeMarkdown('[Click](https://x.example) **bold** _it_ `code` ~~s~~ a\\b'),
      '\\[Click\\](https://x.example) \\*\\*bold\\*\\* \\_it\\_ \\`code\\` \\~\\~s\\~\\~ a\\\\b',
    );
    assert.equal(
      escapeMarkdown('# Title\n- item\n  + item\n> quote\n12. first\n3) second'),
      '\\# Title\n\\- item\n  \\+ item\n\\> quote\n12\\. first\n3\\) second',
    );
    assert.equal(escapeMarkdown('Re: 2026 plans - v2.0 #1'), 'Re: 2026 plans - v2.0 #1');
  });

  it('escapes 600,000 characters of brackets and list marks in one pass', () => {
    const hostile = '['.repeat(200_000) + '1.'.repeat(200_000);
    assert.equal(escapeMarkdown(hostile).length, hostile.length + 200_000);
  });

  it('escapes every TextBlock and Fact of a card, and nothing else', () => {
    const card = syncDialogCard(
      summarize({
        id: '1',
        subject: '**Urgent** [reset](https://phish.example)',
        body: { contentType: 'text', content: 'hi' },
        from: { user: { displayName: 'Eve_Doe' } },
      }),
      [],
    );
    const plain = JSON.stringify(plainTextCard(card));
    assert.ok(plain.includes(String.raw`\\*\\*Urgent\\*\\* \\[reset\\](https://phish.example)`), plain);
    assert.ok(!plain.includes('"**Urgent'), plain);
    assert.deepEqual(cardProblems(plainTextCard(card)), []);
    const facts = JSON.stringify(plainTextCard(recordCard({ ...candidate, phone: '*555*' }, 'https://x')));
    assert.ok(facts.includes(String.raw`\\*555\\*`), facts);
  });
});
