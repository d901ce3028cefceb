import {
  Badge,
  Button,
  Field,
  Spinner,
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
  Textarea,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { useCallback, useEffect, useState } from 'react';
import { api } from '../api.ts';
import { when } from '../format.ts';
import { Loading, OutcomeBar, useOutcome } from '../feedback.tsx';

const useStyles = makeStyles({
  page: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL },
  row: { display: 'flex', gap: tokens.spacingHorizontalM, alignItems: 'center', flexWrap: 'wrap' },
});

interface Overview {
  tenant: { enabled: boolean; enabledBy?: string; enabledAt?: string };
  crm: { name: string; candidates: number; contacts: number; companies: number; activities: number };
}
interface UserHealth {
  userId: string;
  name: string;
  state: 'active' | 'off' | 'paused' | 'needs_consent';
  note?: string;
  lastSuccessAt?: string;
  errors: number;
  pending: number;
  synced: number;
}
interface Preview {
  rows: Array<{
    line: number;
    type: string;
    firstName: string;
    lastName: string;
    emails: string[];
    company?: string;
    action: 'add' | 'update';
  }>;
  errors: Array<{ line: number; field: string; message: string }>;
}

const STATE = {
  active: { label: 'Active', color: 'success' },
  off: { label: 'Off', color: 'informative' },
  paused: { label: 'Paused', color: 'warning' },
  needs_consent: { label: 'Needs consent', color: 'danger' },
} as const;

interface SkillsView {
  skills: string[];
  text: string;
  custom: boolean;
  updatedAt?: string;
}

/** CaptureME's skills list: what it looks for in a resume, one skill a line; reset to the shipped list. */
function SkillsEditor() {
  const styles = useStyles();
  const [view, setView] = useState<SkillsView>();
  const [text, setText] = useState('');
  const { outcome, busy, run, fail } = useOutcome();
  useEffect(() => {
    api<SkillsView>('/admin/skills').then(({ data }) => {
      setView(data);
      setText(data.text);
    }, fail);
  }, []);
  const save = (body: { text: string | null }) =>
    run(async () => {
      const { data } = await api<SkillsView>('/admin/skills', { method: 'PUT', body });
      setView(data);
      setText(data.text);
      return body.text === null
        ? `Back to the shipped list of ${data.skills.length} skills.`
        : `Saved: CaptureME looks for ${data.skills.length} skills.`;
    });
  return (
    <>
      <Subtitle2 as="h3">Skills CaptureME looks for</Subtitle2>
      <Text>
        When a resume becomes a candidate, these are the skills found in it: one a line, matched as whole
        words whatever their case.{' '}
        {view?.custom
          ? `Your organization’s list, last saved ${when(view.updatedAt)}.`
          : 'The list shipped with CRM Sync.'}
      </Text>
      <Field label="Skills, one a line">
        <Textarea value={text} rows={8} resize="vertical" onChange={(_, d) => setText(d.value)} />
      </Field>
      <div className={styles.row}>
        <Button appearance="primary" disabled={busy || !view} onClick={() => void save({ text })}>
          Save skills
        </Button>
        {view?.custom && (
          <Button disabled={busy} onClick={() => void save({ text: null })}>
            Reset to the shipped list
          </Button>
        )}
      </div>
      <OutcomeBar outcome={outcome} />
    </>
  );
}

export function AdminPage() {
  const styles = useStyles();
  const [overview, setOverview] = useState<Overview>();
  const [users, setUsers] = useState<UserHealth[]>();
  const { outcome, run, fail } = useOutcome();
  const [csv, setCsv] = useState<string>();
  const [preview, setPreview] = useState<Preview>();

  const load = useCallback(async () => {
    try {
      setOverview((await api<Overview>('/admin/overview')).data);
      setUsers((await api<{ users: UserHealth[] }>('/admin/users')).data.users);
    } catch (e) {
      fail(e);
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  if (!overview) return <Loading error={outcome?.text} label="Loading…" />;
  return (
    <section className={styles.page} aria-labelledby="admin-title" data-section="admin">
      <Subtitle1 as="h2" id="admin-title">
        Admin
      </Subtitle1>
      <OutcomeBar outcome={outcome} />
      <Switch
        label="CRM Sync is enabled for our organization"
        checked={overview.tenant.enabled}
        onChange={(_, d) =>
          void run(async () => {
            setOverview(
              (await api<Overview>('/admin/tenant', { method: 'PUT', body: { enabled: d.checked } })).data,
            );
            return d.checked
              ? 'Enabled: your recruiters can turn sync on.'
              : 'Disabled: nobody in your organization syncs until you enable it again.';
          })
        }
      />
      {overview.tenant.enabledBy && (
        <Text size={200}>
          Last changed by {overview.tenant.enabledBy} on {when(overview.tenant.enabledAt)}
        </Text>
      )}
      <Subtitle2 as="h3">CRM connection</Subtitle2>
      <Text>
        {overview.crm.name}: {overview.crm.candidates} candidates, {overview.crm.contacts} contacts,{' '}
        {overview.crm.companies} companies, {overview.crm.activities} email activities.
      </Text>

      <Subtitle2 as="h3">Users</Subtitle2>
      {!users ? (
        <Spinner />
      ) : (
        <Table aria-label="Users and their sync health" size="small">
          <TableHeader>
            <TableRow>
              <TableHeaderCell>User</TableHeaderCell>
              <TableHeaderCell>Sync</TableHeaderCell>
              <TableHeaderCell>Last success</TableHeaderCell>
              <TableHeaderCell>Synced</TableHeaderCell>
              <TableHeaderCell>Errors</TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {users.map((u) => (
              <TableRow key={u.userId}>
                <TableCell>{u.name}</TableCell>
                <TableCell>
                  <Badge appearance="tint" color={STATE[u.state].color}>
                    {STATE[u.state].label}
                  </Badge>{' '}
                  {u.note}
                </TableCell>
                <TableCell>{when(u.lastSuccessAt)}</TableCell>
                <TableCell>{u.synced}</TableCell>
                <TableCell>{u.errors}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}

      <SkillsEditor />

      <Subtitle2 as="h3">Import candidates and contacts</Subtitle2>
      <Text>
        A CSV file with a header row: type (candidate or contact), first name, last name, email (several
        separated by ;), and optionally phone, title, company. A row whose address the CRM already has updates
        that record.
      </Text>
      <Field label="CSV file">
        <input
          aria-label="CSV file of candidates and contacts"
          type="file"
          accept=".csv,text/csv"
          onChange={async (e) => {
            const file = e.target.files?.[0];
            if (!file) return;
            const text = await file.text();
            setCsv(text);
            await run(async () => {
              const { data } = await api<Preview>('/admin/import/preview', {
                method: 'POST',
                body: { csv: text },
              });
              setPreview(data);
              return `${data.rows.length} rows ready to import, ${data.errors.length} problems.`;
            });
          }}
        />
      </Field>
      {preview && (
        <>
          {preview.errors.length > 0 && (
            <Table aria-label="Rows with problems" size="small">
              <TableHeader>
                <TableRow>
                  <TableHeaderCell>Line</TableHeaderCell>
                  <TableHeaderCell>Field</TableHeaderCell>
                  <TableHeaderCell>Problem</TableHeaderCell>
                </TableRow>
              </TableHeader>
              <TableBody>
                {preview.errors.map((p, i) => (
                  <TableRow key={i}>
                    <TableCell>{p.line}</TableCell>
                    <TableCell>{p.field}</TableCell>
                    <TableCell>{p.message}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
          <Table aria-label="Rows to import" size="small">
            <TableHeader>
              <TableRow>
                <TableHeaderCell>Line</TableHeaderCell>
                <TableHeaderCell>Type</TableHeaderCell>
                <TableHeaderCell>Name</TableHeaderCell>
                <TableHeaderCell>Email</TableHeaderCell>
                <TableHeaderCell>Action</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {preview.rows.slice(0, 100).map((r) => (
                <TableRow key={r.line}>
                  <TableCell>{r.line}</TableCell>
                  <TableCell>{r.type}</TableCell>
                  <TableCell>
                    {r.firstName} {r.lastName}
                  </TableCell>
                  <TableCell>{r.emails.join(', ')}</TableCell>
                  <TableCell>{r.action}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
          <div className={styles.row}>
            <Button
              appearance="primary"
              disabled={preview.rows.length === 0}
              onClick={() =>
                void run(async () => {
                  const { data } = await api<{ added: number; updated: number; skipped: number }>(
                    '/admin/import',
                    {
                      method: 'POST',
                      body: { csv },
                    },
                  );
                  setPreview(undefined);
                  await load();
                  return `Imported: ${data.added} added, ${data.updated} updated, ${data.skipped} rows skipped.`;
                })
              }
            >
              Import {preview.rows.length} rows
            </Button>
            <Button onClick={() => setPreview(undefined)}>Cancel</Button>
          </div>
        </>
      )}
    </section>
  );
}
