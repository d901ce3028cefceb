import {
  Badge,
  Button,
  Field,
  Link,
  Select,
  Subtitle1,
  Tab,
  TabList,
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
import { useCallback, useEffect, useState } from 'react';
import { api } from '../api.ts';
import { day, when } from '../format.ts';
import { ITEM_KINDS, ITEM_STATUS_LABELS, type ItemKind, KINDS, itemsPath } from '../item-kinds.ts';
import { useSettings } from '../settings-store.tsx';
import type { ItemRow, ItemsAnswer, LedgerCounts } from '../types.ts';
import { Loading, OutcomeBar, useOutcome } from '../feedback.tsx';

/**
 * Every Outlook contact, task or appointment the sync has seen, one kind at a time, newest first:
 * whether it went to the CRM (Exported), why not, the records it is linked to, and Sync now for one.
 */

const useStyles = makeStyles({
  page: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL },
  filters: { display: 'flex', gap: tokens.spacingHorizontalM, flexWrap: 'wrap', alignItems: 'flex-end' },
  records: { display: 'flex', gap: tokens.spacingHorizontalS, flexWrap: 'wrap' },
  // Names, titles and notes can be one long word (an address, a URL): they wrap anywhere rather
  // than run into the next column.
  wrap: { overflowWrap: 'anywhere' },
  marker: { marginLeft: tokens.spacingHorizontalXS },
  // The table lays its columns out evenly: the short ones give their room to the note and title.
  narrow: { width: '120px' },
  // Read out, not shown: the column of buttons needs a name for screen readers only.
  hidden: {
    position: 'absolute',
    width: '1px',
    height: '1px',
    overflow: 'hidden',
    clip: 'rect(0 0 0 0)',
    whiteSpace: 'nowrap',
  },
});

const TRIGGERS: Record<string, string> = {
  manual: 'by you',
  scheduled: 'schedule',
  notified: 'a change in Outlook',
  retry: 'retry',
  cli: 'command line',
  outlook: 'Outlook',
};

/** What Sync now did, as the outcome says it. */
const AFTER_SYNC: Record<ItemRow['status'], string> = {
  synced: 'synced',
  skipped: 'kept out of the CRM',
  error: 'still failing',
  pending: 'waiting to retry',
  no_match: 'no match',
};

interface View {
  kind: ItemKind;
  status: string;
}

/** The kind and status from the page's query (`?kind=task&status=error`, from a section's link). */
function initialView(search: string): View {
  const params = new URLSearchParams(search);
  const kind = params.get('kind') as ItemKind;
  const status = params.get('status') ?? '';
  return {
    kind: ITEM_KINDS.includes(kind) ? kind : 'contact',
    status: ITEM_STATUS_LABELS.some(([s]) => s === status) ? status : '',
  };
}

function queryOf(view: View, continuation?: string): string {
  const params = new URLSearchParams({ kind: view.kind });
  if (view.status) params.set('status', view.status);
  if (continuation) params.set('continuation', continuation);
  return `?${params.toString()}`;
}

const total = (counts: LedgerCounts) => Object.values(counts).reduce((a, b) => a + b, 0);

export function ItemsPage({ search, navigate }: { search: string; navigate(path: string): void }) {
  const styles = useStyles();
  const { settings } = useSettings();
  const [view, setView] = useState<View>(() => initialView(search));
  const [page, setPage] = useState<{ items: ItemRow[]; continuation: string | null }>();
  const [counts, setCounts] = useState<LedgerCounts | null>(null);
  const { outcome, busy, run, fail, clear } = useOutcome();
  const words = KINDS[view.kind];

  const load = useCallback(async (current: View) => {
    try {
      const { data } = await api<ItemsAnswer>(`/items${queryOf(current)}`);
      setPage({ items: data.items, continuation: data.continuation });
      setCounts(data.counts);
    } catch (error) {
      fail(error);
    }
  }, []);

  useEffect(() => {
    setPage(undefined);
    void load(view);
    // The address follows the view, so a reload or a shared link opens the same list.
    history.replaceState(null, '', `/tab/${itemsPath(view.kind, view.status)}`);
  }, [view, load]);

  const more = async () => {
    if (!page?.continuation) return;
    try {
      const { data } = await api<ItemsAnswer>(`/items${queryOf(view, page.continuation)}`);
      setPage({ items: [...page.items, ...data.items], continuation: data.continuation });
    } catch (error) {
      fail(error);
    }
  };

  const syncNow = (row: ItemRow) =>
    run(async () => {
      const name = row.title || KINDS[row.kind].untitled;
      try {
        const { data } = await api<{ item: ItemRow }>(
          `/items/${row.kind}/${encodeURIComponent(row.itemId)}/sync`,
          { method: 'POST' },
        );
        const item = data.item;
        setPage((p) => p && { ...p, items: p.items.map((i) => (i.itemId === item.itemId ? item : i)) });
        const { data: fresh } = await api<ItemsAnswer>(`/items?kind=${row.kind}&limit=1`);
        setCounts(fresh.counts);
        return `${name}: ${AFTER_SYNC[item.status]}${item.note ? ` (${item.note})` : ''}.`;
      } catch (error) {
        throw new Error(`${name} could not be synced: ${(error as Error).message}`, { cause: error });
      }
    });

  const enabled = settings
    ? { contact: settings.contacts.enabled, task: settings.tasks.enabled, event: settings.calendar.enabled }[
        view.kind
      ]
    : true;
  const sectionLink = (
    <Link
      href={`/tab/settings/${words.section}`}
      onClick={(ev) => {
        ev.preventDefault();
        navigate(`settings/${words.section}`);
      }}
    >
      {words.sectionTitle} settings
    </Link>
  );

  return (
    <section className={styles.page} aria-labelledby="items-title">
      <Subtitle1 as="h2" id="items-title">
        Outlook items
      </Subtitle1>
      <Text>
        Your Outlook contacts, tasks and appointments that CRM Sync has looked at, one kind at a time, newest
        first: whether each went to the CRM (Exported), why not, and the records it is linked to.
      </Text>
      <TabList
        aria-label="Kind of item"
        selectedValue={view.kind}
        onTabSelect={(_, d) => {
          clear();
          setView({ kind: d.value as ItemKind, status: '' });
        }}
      >
        {ITEM_KINDS.map((kind) => (
          <Tab key={kind} value={kind}>
            {KINDS[kind].label}
          </Tab>
        ))}
      </TabList>
      <div className={styles.filters} role="group" aria-label={`Filter ${words.plural}`}>
        <Field label="Status">
          <Select value={view.status} onChange={(_, d) => setView({ ...view, status: d.value })}>
            <option value="">{counts ? `All (${total(counts)})` : 'All'}</option>
            {ITEM_STATUS_LABELS.filter(
              ([value]) => value !== 'no_match' || (counts?.no_match ?? 0) > 0 || view.status === value,
            ).map(([value, label]) => (
              <option key={value} value={value}>
                {counts ? `${label} (${counts[value]})` : label}
              </option>
            ))}
          </Select>
        </Field>
      </div>
      <OutcomeBar outcome={outcome} />
      {!page && <Loading label={`Loading your ${words.plural}…`} />}
      {page && page.items.length === 0 && (
        <Text role="status">
          {view.status
            ? `No ${words.plural} with this status.`
            : enabled
              ? `No ${words.plural} yet: they appear here after the next sync. `
              : `No ${words.plural} yet. Turn ${words.sync.toLowerCase()} on in `}
          {!view.status && !enabled && sectionLink}
          {!view.status && !enabled && ', and they appear here after the next sync.'}
        </Text>
      )}
      {page && page.items.length > 0 && (
        <Table aria-label={words.label} size="small">
          <TableHeader>
            <TableRow>
              <TableHeaderCell>{words.titleHeader}</TableHeaderCell>
              <TableHeaderCell>{words.atHeader}</TableHeaderCell>
              <TableHeaderCell className={styles.narrow}>Exported</TableHeaderCell>
              <TableHeaderCell>Records</TableHeaderCell>
              <TableHeaderCell>Note</TableHeaderCell>
              <TableHeaderCell className={styles.narrow}>
                <span className={styles.hidden}>Actions</span>
              </TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {page.items.map((item) => (
              <ItemTableRow key={item.itemId} item={item} busy={busy} onSync={() => void syncNow(item)} />
            ))}
          </TableBody>
        </Table>
      )}
      {page?.continuation && <Button onClick={() => void more()}>Load more</Button>}
    </section>
  );
}

function ItemTableRow({ item, busy, onSync }: { item: ItemRow; busy: boolean; onSync(): void }) {
  const styles = useStyles();
  const words = KINDS[item.kind];
  const name = item.title || words.untitled;
  return (
    <TableRow data-item-id={item.itemId} data-status={item.status} data-removed={item.removed ?? undefined}>
      <TableCell className={styles.wrap}>{item.title || <Text italic>{words.untitled}</Text>}</TableCell>
      {/* A task's due date is a day (midnight where its owner is): no time to show. */}
      <TableCell>{item.kind === 'task' ? day(item.at) : when(item.at)}</TableCell>
      <TableCell>
        <span data-testid="exported">{item.exported || 'Pending'}</span>
        {item.linkType && (
          <Badge appearance="tint" className={styles.marker}>
            {item.linkType}
          </Badge>
        )}
        <Text size={200} block>
          {item.attempts > 0 ? `${item.attempts} attempt(s), ` : ''}
          {item.trigger ? (TRIGGERS[item.trigger] ?? item.trigger) : ''}
        </Text>
      </TableCell>
      <TableCell>
        <div className={styles.records}>
          {item.records.map((r) => (
            <Link key={r.id} href={r.link} target="_blank" rel="noreferrer" className={styles.wrap}>
              Show {r.type} {r.name}
            </Link>
          ))}
        </div>
      </TableCell>
      <TableCell className={styles.wrap}>
        {item.removed && (
          <Badge appearance="outline" data-testid="removed">
            {item.removed === 'cancelled' ? 'Cancelled in Outlook' : 'Removed in Outlook'}
          </Badge>
        )}
        <Text block>{item.note ?? ''}</Text>
        {item.retryAt && (
          <Text size={200} block>
            Next try {when(item.retryAt)}
          </Text>
        )}
      </TableCell>
      <TableCell>
        <Button size="small" disabled={busy} aria-label={`Sync now: ${name}`} onClick={onSync}>
          Sync now
        </Button>
      </TableCell>
    </TableRow>
  );
}
