import assert from 'node:assert/strict';
import { helpCard } from '../../bot/cards/help-card.ts';
import { accessCard, failureCard, noticeCard, welcomeCard } from '../../bot/cards/notice-cards.ts';
import {
  errorsCard,
  progressCard,
  retryResultCard,
  runResultCard,
  statusCard,
} from '../../bot/cards/sync-cards.ts';
import type { LedgerEntry } from '../../bot/sync/ledger.ts';
import type { RunSummary } from '../../bot/sync/sync-state.ts';
import { COMMANDS } from '../../bot/teams/commands.ts';
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
const counts = { synced: 7, no_match: 2, error: 1, pending: 0 };

const cards: Record<string, unknown> = {
  help: helpCard({ commands: COMMANDS }),
  'help after unknown input': helpCard({ commands: COMMANDS, unknownInput: 'do my job' }),
  welcome: welcomeCard({ syncOn: false, settingsUrl: 'https://app.example/tab' }),
  'welcome, sync on, no tab yet': welcomeCard({ syncOn: true, settingsUrl: '' }),
  'access: tenant': accessCard({ reason: 'tenant_disabled', settingsUrl: '' }),
  'access: sync off': accessCard({ reason: 'sync_off', settingsUrl: 'https://app.example/tab' }),
  notice: noticeCard('Sync paused', 'text', 'Good'),
  failure: failureCard('7f2c'),
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
  'progress at 0%': progressCard({ folder: 'starting', processed: 0, total: 0, counts }),
  'progress at 100%': progressCard({ folder: 'Inbox', processed: 50, total: 50, counts }),
  'run result': runResultCard(summary, 'https://app.example/tab'),
  'run result paused': runResultCard({ ...summary, status: 'paused', note: 'network' }, ''),
  errors: errorsCard([entry, { ...entry, messageId: 'AAk2', subject: '' }]),
  'no errors': errorsCard([]),
  'retry result': retryResultCard('Offer', { ...entry, status: 'synced' }),
};

describe('Adaptive Cards the bot sends', () => {
  for (const [name, card] of Object.entries(cards)) {
    it(`${name}: valid Adaptive Cards 1.5 with no parser errors`, () => {
      assert.deepEqual(cardProblems(JSON.parse(JSON.stringify(card))), []);
    });
  }

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
