import {
  Badge,
  Button,
  Card,
  CardHeader,
  Link,
  Persona,
  Subtitle2,
  Text,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { Fragment, useEffect, useState } from 'react';
import { api, download } from '../api.ts';
import { when } from '../format.ts';
import type { RecordAnswer } from '../types.ts';
import { Loading, Notice } from '../feedback.tsx';
import { AppointmentList, TaskList } from './record-items.tsx';

const useStyles = makeStyles({
  page: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL, maxWidth: '820px' },
  details: {
    display: 'grid',
    gridTemplateColumns: 'max-content 1fr',
    columnGap: tokens.spacingHorizontalL,
    rowGap: tokens.spacingVerticalXS,
  },
  timeline: { listStyle: 'none', padding: 0, margin: 0, display: 'grid', gap: tokens.spacingVerticalS },
});

const LABEL = { candidate: 'Candidate', contact: 'Contact', company: 'Company' } as const;

/** A candidate's or contact's page in the built-in CRM: where Show Candidate / Show Contact lead. */
export function RecordPage({ type, id }: { type: string; id: string }) {
  const styles = useStyles();
  const [data, setData] = useState<RecordAnswer>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    api<RecordAnswer>(`/records/${type}/${id}`).then(
      ({ data }) => setData(data),
      (e: Error) => setError(e.message),
    );
  }, [type, id]);

  if (!data) return <Loading error={error} label="Loading the record…" />;
  const { record, activities, appointments, tasks } = data;
  return (
    <article className={styles.page} aria-labelledby="record-title" data-section="record">
      <Persona
        size="huge"
        name={record.name}
        primaryText={{
          children: (
            <span id="record-title" role="heading" aria-level={2}>
              {record.name}
            </span>
          ),
        }}
        secondaryText={`${LABEL[record.type]}${record.role ? ` · ${record.role}` : ''}${record.companyName ? ` · ${record.companyName}` : ''}`}
      />
      <dl className={styles.details}>
        <dt>Email</dt>
        <dd style={{ margin: 0 }}>
          {record.emails.map((e, i) => (
            <span key={e}>
              {i > 0 && ', '}
              <Link href={`mailto:${e}`}>{e}</Link>
            </span>
          ))}
        </dd>
        {record.phone && (
          <>
            <dt>Phone</dt>
            <dd style={{ margin: 0 }}>{record.phone}</dd>
          </>
        )}
        {record.mobile && (
          <>
            <dt>Mobile</dt>
            <dd style={{ margin: 0 }}>{record.mobile}</dd>
          </>
        )}
        {record.department && (
          <>
            <dt>Department</dt>
            <dd style={{ margin: 0 }}>{record.department}</dd>
          </>
        )}
        {(
          [
            ['Current title', record.title],
            ['Current employer', record.employer],
            ['Location', record.address],
            ['Skills', record.skills?.join(', ')],
            ['Source Type', record.sourceType],
            [
              'Share',
              record.share === 'private' ? 'Private (only its owner sees it)' : record.share && 'Public',
            ],
          ] as const
        ).map(([label, value]) =>
          value ? (
            <Fragment key={label}>
              <dt>{label}</dt>
              <dd style={{ margin: 0 }}>{value}</dd>
            </Fragment>
          ) : null,
        )}
        {record.links && record.links.length > 0 && (
          <>
            <dt>Links</dt>
            <dd style={{ margin: 0 }}>
              {record.links.map((url, i) => (
                <span key={url}>
                  {i > 0 && ', '}
                  {/^https?:\/\//i.test(url) ? (
                    <Link href={url} target="_blank" rel="noreferrer noopener">
                      {url}
                    </Link>
                  ) : (
                    url
                  )}
                </span>
              ))}
            </dd>
          </>
        )}
        {record.history && record.history.length > 0 && (
          <>
            <dt>Work history</dt>
            <dd style={{ margin: 0 }}>
              {record.history.map((h, i) => (
                <Text block key={i}>
                  {[h.title, h.employer].filter(Boolean).join(', ')}
                  {h.start || h.end ? ` (${h.start ?? ''} – ${h.end ?? ''})` : ''}
                </Text>
              ))}
            </dd>
          </>
        )}
        {record.education && record.education.length > 0 && (
          <>
            <dt>Education</dt>
            <dd style={{ margin: 0 }}>
              {record.education.map((e, i) => (
                <Text block key={i}>
                  {[e.institution, e.degree, e.year].filter(Boolean).join(', ')}
                </Text>
              ))}
            </dd>
          </>
        )}
        {record.resume && (
          <>
            <dt>Resume</dt>
            <dd style={{ margin: 0 }}>
              <Button
                size="small"
                onClick={() =>
                  void download(
                    `/records/candidate/${encodeURIComponent(record.id)}/resume`,
                    record.resume!.name,
                  ).catch((e: Error) => setError(e.message))
                }
              >
                Download {record.resume.name}
              </Button>
            </dd>
          </>
        )}
        <dt>Last activity</dt>
        <dd style={{ margin: 0 }}>{when(record.lastActivityAt)}</dd>
      </dl>
      {error && <Notice intent="error">{error}</Notice>}
      <Subtitle2 as="h3">Appointments</Subtitle2>
      <AppointmentList appointments={appointments} name={record.name} />
      <Subtitle2 as="h3">Tasks</Subtitle2>
      <TaskList tasks={tasks} name={record.name} />
      <Subtitle2 as="h3">Activity</Subtitle2>
      {activities.length === 0 ? (
        <Text>No emails synced with {record.name} yet.</Text>
      ) : (
        <ol className={styles.timeline} aria-label="Activity timeline">
          {activities.map((a) => (
            <li key={a.id}>
              <Card>
                <CardHeader
                  header={<Text weight="semibold">{a.subject ?? '(subject not kept)'}</Text>}
                  description={
                    <Text size={200}>
                      <Badge appearance="outline" size="small">
                        {a.direction === 'sent' ? 'Email sent' : 'Email received'}
                      </Badge>{' '}
                      {when(a.occurredAt)} · from {a.from ?? '—'} to {a.to.join(', ') || '—'}
                    </Text>
                  }
                />
                {a.preview && <Text>{a.preview}</Text>}
                {a.attachments.length > 0 && (
                  <Text size={200}>Attachments: {a.attachments.map((x) => x.name).join(', ')}</Text>
                )}
                {a.webLink && (
                  <Link href={a.webLink} target="_blank" rel="noreferrer">
                    Open in Outlook
                  </Link>
                )}
              </Card>
            </li>
          ))}
        </ol>
      )}
    </article>
  );
}
