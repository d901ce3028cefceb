import {
  Badge,
  Button,
  Checkbox,
  Field,
  Input,
  Link,
  Select,
  Subtitle1,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { api } from '../api.ts';
import { when } from '../format.ts';
import type { CrmRecord, EmailRow, EmailsAnswer, Folder, LedgerCounts } from '../types.ts';
import { Loading, OutcomeBar, useOutcome } from '../feedback.tsx';

/**
 * Every email the sync has seen, newest first, with the seeds' Exported column (Yes / No / Error),
 * its note, link type and records; filtered by status, folder, dates and words. A no-match email
 * can be associated with records the user finds, or its sender made a candidate or contact.
 */

const useStyles = makeStyles({
  page: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL },
  filters: { display: 'flex', gap: tokens.spacingHorizontalM, flexWrap: 'wrap', alignItems: 'flex-end' },
  records: { display: 'flex', gap: tokens.spacingHorizontalS, flexWrap: 'wrap' },
  panel: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalS,
    padding: tokens.spacingHorizontalM,
    border: `1px solid ${tokens.colorNeutralStroke1}`,
    borderRadius: tokens.borderRadiusMedium,
  },
  row: { display: 'flex', gap: tokens.spacingHorizontalS, flexWrap: 'wrap', alignItems: 'flex-end' },
  // Addresses and subjects from mail have no spaces to break at: they wrap anywhere rather than
  // run into the next column.
  wrap: { overflowWrap: 'anywhere' },
});

const STATUS_LABELS: Array<[keyof LedgerCounts | '' | 'captured', string]> = [
  ['', 'All'],
  ['synced', 'Synced'],
  ['no_match', 'No match'],
  ['error', 'Error'],
  ['pending', 'Pending'],
  ['skipped', 'Kept out'],
  // CaptureME: emails a candidate was made from, or a capture saved on (not a sync status: no count).
  ['captured', 'Captured'],
];

const CAPTURE_STATE = {
  pending: 'Saved for later',
  done: 'Captured',
  error: 'Could not capture',
} as const;

const TRIGGERS: Record<string, string> = {
  manual: 'by you',
  scheduled: 'schedule',
  notified: 'new mail',
  retry: 'retry',
  cli: 'command line',
  outlook: 'Outlook',
};

interface Filters {
  status: string;
  folderId: string;
  since: string;
  before: string;
  q: string;
}

const EMPTY: Filters = { status: '', folderId: '', since: '', before: '', q: '' };

function queryOf(filters: Filters, continuation?: string): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) if (value) params.set(key, value);
  if (continuation) params.set('continuation', continuation);
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** Initial filters from the page's query (`?status=no_match` from a card's link). */
function initialFilters(search: string): Filters {
  const params = new URLSearchParams(search);
  const status = params.get('status') ?? '';
  return { ...EMPTY, status: STATUS_LABELS.some(([s]) => s === status) ? status : '' };
}

export function EmailsPage({ search }: { search: string }) {
  const styles = useStyles();
  const [filters, setFilters] = useState<Filters>(() => initialFilters(search));
  const [draft, setDraft] = useState<Filters>(filters);
  const [page, setPage] = useState<{ emails: EmailRow[]; continuation: string | null }>();
  const [counts, setCounts] = useState<LedgerCounts | null>(null);
  const [folders, setFolders] = useState<Folder[]>([]);
  const [open, setOpen] = useState<string>();
  const { outcome, busy, run, fail } = useOutcome();

  const load = useCallback(async (current: Filters) => {
    try {
      const { data } = await api<EmailsAnswer>(`/emails${queryOf(current)}`);
      setPage({ emails: data.emails, continuation: data.continuation });
      if (data.counts) setCounts(data.counts);
    } catch (error) {
      fail(error);
    }
  }, []);

  useEffect(() => {
    setPage(undefined);
    void load(filters);
  }, [filters, load]);
  useEffect(() => {
    api<{ folders: Folder[] }>('/folders').then(
      ({ data }) => setFolders(data.folders),
      () => setFolders([]),
    );
  }, []);

  const apply = (event?: FormEvent) => {
    event?.preventDefault();
    setFilters(draft);
  };
  const more = async () => {
    if (!page?.continuation) return;
    try {
      const { data } = await api<EmailsAnswer>(`/emails${queryOf(filters, page.continuation)}`);
      setPage({ emails: [...page.emails, ...data.emails], continuation: data.continuation });
    } catch (error) {
      fail(error);
    }
  };
  /** A row changed (associated, a record created): shown in place, and the counts read again. */
  const replaced = async (email: EmailRow) => {
    setPage((p) => p && { ...p, emails: p.emails.map((e) => (e.messageId === email.messageId ? email : e)) });
    setOpen(undefined);
    const { data } = await api<EmailsAnswer>('/emails?limit=1');
    if (data.counts) setCounts(data.counts);
  };

  return (
    <section className={styles.page} aria-labelledby="emails-title">
      <Subtitle1 as="h2" id="emails-title">
        Emails
      </Subtitle1>
      <Text>
        Every email CRM Sync has looked at, newest first: whether it went to the CRM (Exported), why not, and
        the records it is linked to.
      </Text>
      <form className={styles.filters} onSubmit={apply} aria-label="Filter emails">
        <Field label="Status">
          <Select
            value={draft.status}
            onChange={(_, d) => {
              const next = { ...draft, status: d.value };
              setDraft(next);
              setFilters(next);
            }}
          >
            {STATUS_LABELS.map(([value, label]) => (
              <option key={value} value={value}>
                {counts && value && value !== 'captured' ? `${label} (${counts[value]})` : label}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Folder">
          <Select
            value={draft.folderId}
            onChange={(_, d) => {
              const next = { ...draft, folderId: d.value };
              setDraft(next);
              setFilters(next);
            }}
          >
            <option value="">All folders</option>
            {folders.map((f) => (
              <option key={f.id} value={f.id}>
                {f.path}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Received from">
          <Input
            type="date"
            value={draft.since}
            onChange={(_, d) => setDraft({ ...draft, since: d.value })}
          />
        </Field>
        <Field label="Received before">
          <Input
            type="date"
            value={draft.before}
            onChange={(_, d) => setDraft({ ...draft, before: d.value })}
          />
        </Field>
        <Field label="Search" hint="Whole words of the subject, a name, or an address">
          <Input
            type="search"
            value={draft.q}
            maxLength={200}
            onChange={(_, d) => setDraft({ ...draft, q: d.value })}
          />
        </Field>
        <Button type="submit" appearance="primary">
          Apply
        </Button>
        <Button
          onClick={() => {
            setDraft(EMPTY);
            setFilters(EMPTY);
          }}
        >
          Clear
        </Button>
      </form>
      <OutcomeBar outcome={outcome} />
      {!page && <Loading label="Loading your emails…" />}
      {page && page.emails.length === 0 && <Text>No emails match these filters.</Text>}
      {page && page.emails.length > 0 && (
        <Table aria-label="Emails" size="small">
          <TableHeader>
            <TableRow>
              <TableHeaderCell>Received</TableHeaderCell>
              <TableHeaderCell>From / to</TableHeaderCell>
              <TableHeaderCell>Subject</TableHeaderCell>
              <TableHeaderCell>Exported</TableHeaderCell>
              <TableHeaderCell>Records</TableHeaderCell>
              <TableHeaderCell>Note</TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {page.emails.map((email) => (
              <EmailTableRow
                key={email.messageId}
                email={email}
                open={open === email.messageId}
                onOpen={() => setOpen(open === email.messageId ? undefined : email.messageId)}
                onChanged={replaced}
                busy={busy}
                run={run}
              />
            ))}
          </TableBody>
        </Table>
      )}
      {page?.continuation && <Button onClick={() => void more()}>Load more</Button>}
    </section>
  );
}

function EmailTableRow({
  email,
  open,
  onOpen,
  onChanged,
  busy,
  run,
}: {
  email: EmailRow;
  open: boolean;
  onOpen(): void;
  onChanged(email: EmailRow): Promise<void>;
  busy: boolean;
  run: ReturnType<typeof useOutcome>['run'];
}) {
  const styles = useStyles();
  const who = `${email.direction === 'sent' ? 'To ' : ''}${email.counterpart ?? '—'}`;
  const resolvable = email.status === 'no_match' || email.status === 'synced';
  return (
    <>
      <TableRow data-message-id={email.messageId} data-status={email.status}>
        <TableCell>{when(email.receivedAt)}</TableCell>
        <TableCell className={styles.wrap}>
          {who}
          {email.folder && (
            <Text size={200} block>
              {email.folder}
            </Text>
          )}
        </TableCell>
        <TableCell className={styles.wrap}>
          {email.subject || <Text italic>(subject not kept)</Text>}
        </TableCell>
        <TableCell>
          <span data-testid="exported">{email.exported || 'Pending'}</span>
          {email.linkType && (
            <Badge appearance="tint" style={{ marginLeft: tokens.spacingHorizontalXS }}>
              {email.linkType}
            </Badge>
          )}
          <Text size={200} block>
            {email.attempts > 0 ? `${email.attempts} attempt(s), ` : ''}
            {email.trigger ? (TRIGGERS[email.trigger] ?? email.trigger) : ''}
          </Text>
        </TableCell>
        <TableCell>
          <div className={styles.records}>
            {email.records.map((r) => (
              <Link key={r.id} href={r.link} target="_blank" rel="noreferrer">
                Show {r.type} {r.name}
              </Link>
            ))}
          </div>
          {resolvable && (
            <Button size="small" onClick={onOpen} aria-expanded={open}>
              {email.status === 'no_match' ? 'Associate…' : 'Add records…'}
            </Button>
          )}
        </TableCell>
        <TableCell className={styles.wrap}>
          {email.note ?? ''}
          {email.capture && <CaptureLine email={email} onChanged={onChanged} busy={busy} run={run} />}
          {email.retryAt && (
            <Text size={200} block>
              Next try {when(email.retryAt)}
            </Text>
          )}
        </TableCell>
      </TableRow>
      {open && (
        <TableRow>
          <TableCell colSpan={6}>
            <AssociatePanel email={email} onChanged={onChanged} busy={busy} run={run} />
          </TableCell>
        </TableRow>
      )}
    </>
  );
}

/** What CaptureME did with the email, and Retry for a capture that failed. */
function CaptureLine({
  email,
  onChanged,
  busy,
  run,
}: {
  email: EmailRow;
  onChanged(email: EmailRow): Promise<void>;
  busy: boolean;
  run: ReturnType<typeof useOutcome>['run'];
}) {
  const capture = email.capture!;
  const retry = () =>
    run(async () => {
      const { data } = await api<{ email: EmailRow | null }>('/emails/capture-retry', {
        method: 'POST',
        body: { messageId: email.messageId },
      });
      if (data.email) await onChanged(data.email);
      const after = data.email?.capture;
      if (after?.state === 'error') throw new Error(`Still could not capture a candidate: ${after.error}`);
      return `Captured ${after?.candidate?.name ?? 'the candidate'}.`;
    });
  return (
    <Text size={200} block data-testid="capture">
      <Badge appearance="outline" color={capture.state === 'error' ? 'danger' : 'brand'}>
        {CAPTURE_STATE[capture.state]}
      </Badge>{' '}
      {capture.state === 'done' && capture.candidate ? (
        <Link href={capture.candidate.link} target="_blank" rel="noreferrer">
          Show Candidate {capture.candidate.name}
        </Link>
      ) : (
        `from ${capture.source} (${capture.share})`
      )}
      {capture.error && <> : {capture.error} </>}
      {capture.state === 'error' && (
        <Button size="small" disabled={busy} onClick={() => void retry()}>
          Retry
        </Button>
      )}
    </Text>
  );
}

function AssociatePanel({
  email,
  onChanged,
  busy,
  run,
}: {
  email: EmailRow;
  onChanged(email: EmailRow): Promise<void>;
  busy: boolean;
  run: ReturnType<typeof useOutcome>['run'];
}) {
  const styles = useStyles();
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<Array<CrmRecord & { link: string }>>();
  const [chosen, setChosen] = useState<string[]>([]);
  const address = email.counterpart;

  const search = async (event: FormEvent) => {
    event.preventDefault();
    const { data } = await api<{ records: Array<CrmRecord & { link: string }> }>(
      `/records?q=${encodeURIComponent(query)}`,
    );
    setFound(data.records);
  };
  const associate = () =>
    run(async () => {
      const { data } = await api<{ email: EmailRow }>('/emails/associate', {
        method: 'POST',
        body: { messageId: email.messageId, recordIds: chosen },
      });
      await onChanged(data.email);
      return `Linked to ${data.email.records.map((r) => r.name).join(', ')}.`;
    });
  const create = (type: 'candidate' | 'contact') =>
    run(async () => {
      const { data } = await api<{ record: { name: string }; email: EmailRow }>('/emails/create-record', {
        method: 'POST',
        body: { messageId: email.messageId, type },
      });
      await onChanged(data.email);
      return `${data.record.name} is now a ${type}, and this email is linked to them.`;
    });

  return (
    <div className={styles.panel} role="group" aria-label={`Associate “${email.subject}”`}>
      <form className={styles.row} onSubmit={(e) => void search(e)}>
        <Field label="Find candidates, contacts or companies">
          <Input type="search" value={query} maxLength={200} onChange={(_, d) => setQuery(d.value)} />
        </Field>
        <Button type="submit">Search</Button>
      </form>
      {found && found.length === 0 && <Text>No records match “{query}”.</Text>}
      {found?.map((r) => (
        <Checkbox
          key={r.id}
          label={`${r.name} (${r.type}${r.emails[0] ? `, ${r.emails[0]}` : ''})`}
          checked={chosen.includes(r.id)}
          onChange={(_, d) => setChosen(d.checked ? [...chosen, r.id] : chosen.filter((id) => id !== r.id))}
        />
      ))}
      <div className={styles.row}>
        <Button appearance="primary" disabled={busy || chosen.length === 0} onClick={() => void associate()}>
          Link to {chosen.length || 'the'} record{chosen.length === 1 ? '' : 's'}
        </Button>
        {address && email.status === 'no_match' && (
          <>
            <Button disabled={busy} onClick={() => void create('candidate')}>
              Create candidate from {address}
            </Button>
            <Button disabled={busy} onClick={() => void create('contact')}>
              Create contact from {address}
            </Button>
          </>
        )}
      </div>
    </div>
  );
}
