import {
  Badge,
  Button,
  Checkbox,
  Divider,
  Link,
  SearchBox,
  Spinner,
  Subtitle2,
  Text,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { EmailView, Exported, RecordView, SearchView } from '../../../bot/outlook/outlook-types.ts';
import { api } from '../api.ts';
import { Notice, OutcomeBar, useOutcome } from '../feedback.tsx';
import { day, when } from '../format.ts';
import { Capture } from './capture.tsx';
import type { OpenEmail, OutlookHost } from './office-host.ts';

/**
 * The task pane for the email open in Outlook: where it stands in the CRM (the seeds' Exported
 * column), who its addresses match, Sync to CRM with the ticked matches, and Associate with any
 * candidate, contact or company. Laid out for Outlook's narrowest pane (320 px).
 */

export type PaneView = 'status' | 'sync' | 'associate' | 'capture';

const useStyles = makeStyles({
  pane: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalM,
    padding: tokens.spacingHorizontalM,
    minWidth: 0,
  },
  section: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS, minWidth: 0 },
  row: { display: 'flex', gap: tokens.spacingHorizontalS, alignItems: 'center', flexWrap: 'wrap' },
  record: { display: 'flex', flexDirection: 'column', minWidth: 0, overflowWrap: 'anywhere' },
  muted: { color: tokens.colorNeutralForeground3 },
  list: {
    listStyleType: 'none',
    margin: 0,
    padding: 0,
    display: 'flex',
    flexDirection: 'column',
    gap: '6px',
  },
});

const EXPORTED_TEXT: Record<Exported, string> = {
  Yes: 'Yes: it is in the CRM',
  No: 'No: not synced',
  Error: 'Error: it could not be synced',
  '': 'Not synced yet',
};
const EXPORTED_COLOR = { Yes: 'success', No: 'warning', Error: 'danger', '': 'informative' } as const;
const SHOW: Record<RecordView['type'], string> = {
  candidate: 'Show Candidate',
  contact: 'Show Contact',
  company: 'Show Company',
};
const KIND: Record<RecordView['type'], string> = {
  candidate: 'Candidate',
  contact: 'Contact',
  company: 'Company',
};

function RecordLine({ record, host, address }: { record: RecordView; host: OutlookHost; address?: string }) {
  const styles = useStyles();
  return (
    <span className={styles.record}>
      <span>
        <Text weight="semibold">{record.name}</Text> <Badge appearance="outline">{KIND[record.type]}</Badge>
      </span>
      <Text size={200} className={styles.muted}>
        {[record.role, record.companyName, address].filter(Boolean).join(' · ') || '—'}
      </Text>
      <Text size={200} className={styles.muted}>
        Last activity: {day(record.lastActivityAt)}
      </Text>
      <Link
        href={record.link}
        onClick={(event) => {
          event.preventDefault();
          host.open(record.link);
        }}
      >
        {SHOW[record.type]}
      </Link>
    </span>
  );
}

function Status({ view, host }: { view: EmailView; host: OutlookHost }) {
  const styles = useStyles();
  const { status } = view;
  return (
    <section className={styles.section} aria-labelledby="status-heading">
      <Subtitle2 as="h2" id="status-heading">
        In the CRM
      </Subtitle2>
      <div className={styles.row}>
        <Badge color={EXPORTED_COLOR[status.exported]} data-testid="exported">
          {EXPORTED_TEXT[status.exported]}
        </Badge>
        {status.linkType && (
          <Badge appearance="tint" data-testid="link-type" aria-label={`Link type ${status.linkType}`}>
            {status.linkType}
          </Badge>
        )}
      </div>
      {status.note && <Text size={200}>{status.note}</Text>}
      {status.updatedAt && (
        <Text size={200} className={styles.muted}>
          Updated {when(status.updatedAt)}
        </Text>
      )}
      {status.records.length > 0 && (
        <ul className={styles.list} aria-label="Records this email is on">
          {status.records.map((r) => (
            <li key={r.id}>
              <RecordLine record={r} host={host} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Picker({
  records,
  picked,
  toggle,
  label,
}: {
  records: Array<RecordView & { address?: string }>;
  picked: ReadonlySet<string>;
  toggle(id: string, on: boolean): void;
  label: string;
}) {
  const styles = useStyles();
  return (
    <ul className={styles.list} aria-label={label}>
      {records.map((r) => (
        <li key={r.id}>
          <Checkbox
            checked={picked.has(r.id)}
            onChange={(_, d) => toggle(r.id, d.checked === true)}
            label={
              <span className={styles.record}>
                <span>
                  <Text weight="semibold">{r.name}</Text> <Badge appearance="outline">{KIND[r.type]}</Badge>
                </span>
                <Text size={200} className={styles.muted}>
                  {[r.companyName ?? r.role, r.address].filter(Boolean).join(' · ') || '—'}
                </Text>
                <Text size={200} className={styles.muted}>
                  Last activity: {day(r.lastActivityAt)}
                </Text>
              </span>
            }
          />
        </li>
      ))}
    </ul>
  );
}

function usePicked(initial: string[]) {
  const [picked, setPicked] = useState<ReadonlySet<string>>(new Set(initial));
  const toggle = (id: string, on: boolean) =>
    setPicked((old) => {
      const next = new Set(old);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  return { picked, toggle, reset: (ids: string[]) => setPicked(new Set(ids)) };
}

/**
 * Sync to CRM or Associate with the ticked records. The answer is the email's view as it is now;
 * what comes back is the sentence the pane shows (an email that is still not in the CRM is an error).
 */
async function linkEmail(
  view: EmailView,
  action: 'sync' | 'associate',
  recordIds: string[],
  done: (view: EmailView) => void,
): Promise<string> {
  const { data } = await api<EmailView>(`/messages/${encodeURIComponent(view.message.id)}/${action}`, {
    root: '/api/outlook',
    method: 'POST',
    body: { recordIds },
  });
  done(data);
  if (data.status.exported !== 'Yes') throw new Error(data.status.note ?? 'The email is not in the CRM.');
  const records = `${data.status.records.length} record${data.status.records.length === 1 ? '' : 's'}`;
  return action === 'sync' ? `Synced to ${records}.` : `It is on ${records} now.`;
}

function Matches({ view, onSynced }: { view: EmailView; onSynced(view: EmailView): void }) {
  const styles = useStyles();
  const { picked, toggle } = usePicked(view.matches.map((m) => m.id));
  const { outcome, busy, run } = useOutcome();
  const sync = () => run(() => linkEmail(view, 'sync', [...picked], onSynced));
  return (
    <section className={styles.section} aria-labelledby="matches-heading">
      <Subtitle2 as="h2" id="matches-heading">
        Matches
      </Subtitle2>
      {view.matches.length === 0 ? (
        <Text size={200}>
          {view.noMatchReason ? `No match: ${view.noMatchReason}.` : 'No match.'} Use Associate to link it by
          hand.
        </Text>
      ) : (
        <>
          <Picker
            records={view.matches}
            picked={picked}
            toggle={toggle}
            label="Candidates and contacts its addresses match"
          />
          <div className={styles.row}>
            <Button appearance="primary" disabled={busy || picked.size === 0} onClick={() => void sync()}>
              {busy ? 'Syncing…' : 'Sync to CRM'}
            </Button>
          </div>
        </>
      )}
      <OutcomeBar outcome={outcome} />
    </section>
  );
}

function Associate({
  view,
  onLinked,
  autoFocus,
}: {
  view: EmailView;
  onLinked(view: EmailView): void;
  autoFocus: boolean;
}) {
  const styles = useStyles();
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<RecordView[]>();
  const [searchError, setSearchError] = useState<string>();
  const { picked, toggle, reset } = usePicked([]);
  const { outcome, busy, run } = useOutcome();
  const search = async (q: string) => {
    setSearchError(undefined);
    try {
      const { data } = await api<SearchView>(`/search?q=${encodeURIComponent(q)}`, { root: '/api/outlook' });
      setResults(data.records);
      reset([]);
    } catch (error) {
      setSearchError((error as Error).message);
    }
  };
  const associate = () => run(() => linkEmail(view, 'associate', [...picked], onLinked));
  return (
    <section className={styles.section} aria-labelledby="associate-heading">
      <Subtitle2 as="h2" id="associate-heading">
        Associate
      </Subtitle2>
      <form
        className={styles.row}
        role="search"
        onSubmit={(event) => {
          event.preventDefault();
          void search(query);
        }}
      >
        <SearchBox
          aria-label="Search candidates, contacts and companies"
          placeholder="Name or email address"
          value={query}
          autoFocus={autoFocus}
          onChange={(_, d) => setQuery(d.value)}
        />
        <Button type="submit">Search</Button>
      </form>
      {searchError && <Notice intent="error">{searchError}</Notice>}
      {results && results.length === 0 && <Text size={200}>Nothing found for “{query}”.</Text>}
      {results && results.length > 0 && (
        <>
          <Picker records={results} picked={picked} toggle={toggle} label="Search results" />
          <div className={styles.row}>
            <Button
              appearance="primary"
              disabled={busy || picked.size === 0}
              onClick={() => void associate()}
            >
              {busy ? 'Linking…' : 'Associate'}
            </Button>
          </div>
        </>
      )}
      <OutcomeBar outcome={outcome} />
    </section>
  );
}

export function Pane({ host, view: initialView }: { host: OutlookHost; view: PaneView }) {
  const styles = useStyles();
  const [email, setEmail] = useState<OpenEmail | null>(() => host.current());
  const [view, setView] = useState<EmailView>();
  const [error, setError] = useState<string>();
  // The email the pane shows: Outlook's id of it, and the API's (immutable) id once it has loaded.
  const shown = useRef<string | null>(null);
  const shownView = useRef<string | null>(null);

  const load = useCallback(async (target: OpenEmail | null) => {
    shown.current = target?.id ?? null;
    shownView.current = null;
    setView(undefined);
    setError(undefined);
    if (!target) return;
    try {
      const { data } = await api<EmailView>(`/messages/${encodeURIComponent(target.id)}`, {
        root: '/api/outlook',
      });
      // A pinned pane may have moved on to another email while this one loaded.
      if (shown.current === target.id) {
        shownView.current = data.message.id;
        setView(data);
      }
    } catch (e) {
      if (shown.current === target.id) setError((e as Error).message);
    }
  }, []);

  useEffect(() => {
    host.onItemChanged((next) => {
      setEmail(next);
      void load(next);
    });
    void load(host.current());
  }, [host, load]);

  // A sync's answer arriving after a pinned pane moved on to another email is not this email's.
  const update = (data: EmailView) => {
    if (data.message.id === shownView.current) setView(data);
  };

  if (!host.inOutlook) return <Notice intent="info">Open CRM Sync from an email in Outlook.</Notice>;
  if (!email) return <Notice intent="info">Select an email to see where it stands in the CRM.</Notice>;
  return (
    <main className={styles.pane} aria-busy={!view && !error}>
      <header className={styles.section}>
        <Text weight="semibold" as="h1" size={400} truncate wrap={false} title={email.subject}>
          {email.subject || '(no subject)'}
        </Text>
        {view && (
          <Text size={200} className={styles.muted}>
            {view.message.direction === 'sent' ? 'Sent' : `From ${view.message.from ?? 'unknown sender'}`},{' '}
            {when(view.message.receivedAt)}
          </Text>
        )}
      </header>
      {error && <Notice intent="error">{error}</Notice>}
      {!view && !error && <Spinner size="small" label="Looking the email up in the CRM…" />}
      {view && (
        <>
          <Status view={view} host={host} />
          <Divider />
          {initialView === 'capture' && (
            <>
              <Capture
                key={`c-${view.message.id}`}
                messageId={view.message.id}
                host={host}
                onEmail={update}
              />
              <Divider />
            </>
          )}
          {/* Keyed by the email: a pinned pane's next email starts afresh (its own ticks, no old outcome). */}
          <Matches key={`m-${view.message.id}`} view={view} onSynced={update} />
          <Divider />
          <Associate
            key={`a-${view.message.id}`}
            view={view}
            onLinked={update}
            autoFocus={initialView === 'associate'}
          />
        </>
      )}
    </main>
  );
}
