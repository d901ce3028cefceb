import {
  Badge,
  Button,
  Link,
  ProgressBar,
  Subtitle1,
  Subtitle2,
  Switch,
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
import { when } from '../format.ts';
import { ITEM_KINDS, KINDS, countsText, itemsPath } from '../item-kinds.ts';
import type { Status } from '../types.ts';
import { Loading, Notice, OutcomeBar, useOutcome } from '../feedback.tsx';
import { ResendAllButton } from '../resend-all.tsx';

const useStyles = makeStyles({
  page: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL },
  counts: { display: 'flex', gap: tokens.spacingHorizontalXXL, flexWrap: 'wrap' },
  count: { display: 'flex', flexDirection: 'column' },
  row: { display: 'flex', gap: tokens.spacingHorizontalM, alignItems: 'center', flexWrap: 'wrap' },
  // For screen readers only: the actions column's header has no visible text.
  visuallyHidden: {
    position: 'absolute',
    width: '1px',
    height: '1px',
    margin: '-1px',
    padding: 0,
    overflow: 'hidden',
    clip: 'rect(0 0 0 0)',
    whiteSpace: 'nowrap',
    border: 0,
  },
});

/** How often the page refreshes: every 2 s while a sync runs, otherwise every 30 s. */
const POLL_RUNNING_MS = 2_000;
const POLL_IDLE_MS = 30_000;

export function StatusPage({ navigate }: { navigate(path: string): void }) {
  const styles = useStyles();
  const [status, setStatus] = useState<Status>();
  const { outcome, busy, run: runAction, fail } = useOutcome();

  const load = useCallback(async () => {
    try {
      setStatus((await api<Status>('/status')).data);
    } catch (error) {
      fail(error);
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);
  useEffect(() => {
    const timer = setTimeout(() => void load(), status?.running ? POLL_RUNNING_MS : POLL_IDLE_MS);
    return () => clearTimeout(timer);
  }, [status, load]);

  const act = (work: () => Promise<string>) => runAction(work, load);

  if (!status) return <Loading error={outcome?.text} label="Loading your sync status…" />;
  const on = status.emailSync && status.active;
  const run = status.running;
  const last = status.mailbox?.lastRun;

  return (
    <section className={styles.page} aria-labelledby="status-title" data-section="status">
      <Subtitle1 as="h2" id="status-title">
        Sync status
      </Subtitle1>
      {!status.tenantEnabled && (
        <Notice intent="warning">
          CRM Sync is not enabled for your organization yet. Your CRM Sync admin can enable it.
        </Notice>
      )}
      {status.mailbox?.status === 'needs_consent' && (
        <Notice intent="error">
          CRM Sync cannot read your mailbox: {status.mailbox.note ?? 'your admin needs to grant consent.'}
        </Notice>
      )}
      <div className={styles.row}>
        <Switch
          label={on ? 'Sync is on' : status.emailSync ? 'Sync is paused' : 'Sync is off'}
          checked={on}
          disabled={busy || !status.tenantEnabled}
          onChange={(_, d) =>
            void act(async () => {
              await api('/sync/active', { method: 'POST', body: { active: d.checked } });
              return d.checked
                ? 'Sync is on: new mail syncs within seconds.'
                : 'Sync is paused: nothing syncs automatically.';
            })
          }
        />
        <Button
          appearance="primary"
          disabled={busy || !!run || !status.emailSync || !status.tenantEnabled}
          onClick={() =>
            void act(async () => {
              await api('/sync', { method: 'POST' });
              return 'Sync started: your chosen folders are being synced.';
            })
          }
        >
          Sync now
        </Button>
        <ResendAllButton
          disabled={busy || !!run || !status.emailSync || !status.tenantEnabled}
          folders={status.folders}
          act={act}
        />
      </div>
      {run && (
        <div aria-live="polite">
          <Text>
            Syncing {run.folder || 'your mailbox'}: {run.processed} of {Math.max(run.total, run.processed)}{' '}
            emails
          </Text>
          <ProgressBar
            aria-label="Sync progress"
            value={run.total > 0 ? Math.min(1, run.processed / run.total) : undefined}
          />
        </div>
      )}
      <OutcomeBar outcome={outcome} />
      <div className={styles.counts} aria-label="Emails by status" role="group">
        {(
          [
            ['synced', 'Synced'],
            ['no_match', 'No match'],
            ['error', 'Error'],
            ['pending', 'Pending'],
          ] as const
        ).map(([key, label]) => (
          <div key={key} className={styles.count} data-count={key}>
            <Text size={600} weight="semibold">
              {status.counts[key]}
            </Text>
            <Text>{label}</Text>
          </div>
        ))}
      </div>
      <Text>
        Last run:{' '}
        {last
          ? `${when(last.finishedAt)} (${last.status}: ${last.synced} synced, ${last.noMatch} no match, ${last.errors} errors)`
          : 'none yet'}
        <br />
        Next scheduled run: {status.nextRun ? when(status.nextRun) : 'none scheduled'}
      </Text>

      <ItemsTable status={status} navigate={navigate} />

      <Subtitle2 as="h3">Errors</Subtitle2>
      {status.errors.length === 0 ? (
        <Text>No errors.</Text>
      ) : (
        <>
          <div>
            <Button
              disabled={busy}
              onClick={() =>
                void act(async () => {
                  const { data } = await api<{ retried: number; synced: number; stillFailing: number }>(
                    '/errors/retry-all',
                    { method: 'POST' },
                  );
                  return `Retried ${data.retried}: ${data.synced} synced, ${data.stillFailing} still failing.`;
                })
              }
            >
              Retry all
            </Button>
          </div>
          <Table aria-label="Errors" size="small">
            <TableHeader>
              <TableRow>
                <TableHeaderCell>Email</TableHeaderCell>
                <TableHeaderCell>Note</TableHeaderCell>
                <TableHeaderCell>Folder</TableHeaderCell>
                <TableHeaderCell>Date</TableHeaderCell>
                <TableHeaderCell>
                  <span className={styles.visuallyHidden}>Actions</span>
                </TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {status.errors.map((e) => (
                <TableRow key={e.messageId} data-error={e.messageId}>
                  <TableCell>{e.subject || '(no subject)'}</TableCell>
                  <TableCell>{e.note}</TableCell>
                  <TableCell>{e.folder ?? '—'}</TableCell>
                  <TableCell>{when(e.receivedAt)}</TableCell>
                  <TableCell>
                    <Button
                      size="small"
                      disabled={busy}
                      aria-label={`Retry ${e.subject}`}
                      onClick={() =>
                        void act(async () => {
                          const { data } = await api<{ status: string; note: string | null }>(
                            '/errors/retry',
                            {
                              method: 'POST',
                              body: { messageId: e.messageId },
                            },
                          );
                          return data.status === 'error'
                            ? `Still failing: ${data.note}`
                            : `Retried: ${data.status.replace('_', ' ')}.`;
                        })
                      }
                    >
                      Retry
                    </Button>
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </>
      )}
      {status.setAside.length > 0 && (
        <Notice intent="warning">
          {status.setAside.length} background sync job(s) kept failing and were set aside; the latest reason:{' '}
          {status.setAside[0]!.reason}
        </Notice>
      )}

      <Subtitle2 as="h3">Recently synced</Subtitle2>
      <Text>
        Newest first, by when they were synced.{' '}
        <Link
          href="/tab/settings/emails"
          onClick={(ev) => {
            ev.preventDefault();
            navigate('settings/emails');
          }}
        >
          See every email, with its status
        </Link>
      </Text>
      {status.recent.length === 0 ? (
        <Text>Nothing synced yet.</Text>
      ) : (
        <Table aria-label="Recently synced emails" size="small">
          <TableHeader>
            <TableRow>
              <TableHeaderCell>Email</TableHeaderCell>
              <TableHeaderCell>Synced</TableHeaderCell>
              <TableHeaderCell>In the CRM on</TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {status.recent.map((r) => (
              <TableRow key={r.messageId}>
                <TableCell>
                  <Badge appearance="outline" size="small">
                    {r.direction}
                  </Badge>{' '}
                  {r.subject || '(no subject)'}
                </TableCell>
                <TableCell>
                  {when(r.syncedAt)}
                  <Text size={200} block>
                    {r.direction === 'sent' ? 'sent' : 'received'} {when(r.receivedAt)}
                  </Text>
                </TableCell>
                <TableCell>
                  {r.records.map((rec, i) => (
                    <span key={rec.id}>
                      {i > 0 && ', '}
                      <Link
                        href={`/tab/records/${rec.type}/${encodeURIComponent(rec.id)}`}
                        onClick={(ev) => {
                          ev.preventDefault();
                          navigate(`records/${rec.type}/${encodeURIComponent(rec.id)}`);
                        }}
                      >
                        {rec.name}
                      </Link>
                    </span>
                  ))}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </section>
  );
}

/** Contacts, tasks and calendar beside email: each kind on or off, its counts, and what the last run did. */
function ItemsTable({ status, navigate }: { status: Status; navigate(path: string): void }) {
  const last = status.mailbox?.lastRun?.items;
  return (
    <Table aria-label="Contacts, tasks and calendar" size="small">
      <TableHeader>
        <TableRow>
          <TableHeaderCell>Outlook items</TableHeaderCell>
          <TableHeaderCell>Sync</TableHeaderCell>
          <TableHeaderCell>By status</TableHeaderCell>
          <TableHeaderCell>Last run</TableHeaderCell>
        </TableRow>
      </TableHeader>
      <TableBody>
        {ITEM_KINDS.map((kind) => {
          const words = KINDS[kind];
          const run = last?.[kind];
          return (
            <TableRow key={kind} data-kind={kind}>
              <TableCell>
                <Link
                  href={`/tab/${itemsPath(kind)}`}
                  onClick={(ev) => {
                    ev.preventDefault();
                    navigate(itemsPath(kind));
                  }}
                >
                  {words.label}
                </Link>
              </TableCell>
              <TableCell>{status.items[kind].enabled ? 'On' : 'Off'}</TableCell>
              <TableCell data-testid="counts">{countsText(status.items[kind].counts)}</TableCell>
              <TableCell data-testid="last-run">
                {run
                  ? `${run.synced} synced, ${run.unchanged} unchanged, ${run.removed} removed in Outlook, ${run.skipped} kept out, ${run.errors} errors${run.stopped ? `; ${run.stopped}` : ''}`
                  : '—'}
              </TableCell>
            </TableRow>
          );
        })}
      </TableBody>
    </Table>
  );
}
