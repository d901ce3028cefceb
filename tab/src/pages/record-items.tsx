import { Badge, Card, CardHeader, Link, Text, makeStyles, tokens } from '@fluentui/react-components';
import { due, meetingTime } from '../format.ts';
import type { RecordAppointment, RecordTask } from '../types.ts';

/** A record's appointments and tasks, synced from its people's Outlook, beside its emails. */

const useStyles = makeStyles({
  list: { listStyle: 'none', padding: 0, margin: 0, display: 'grid', gap: tokens.spacingVerticalS },
  struck: { textDecorationLine: 'line-through' },
});

const TASK_STATUS = {
  not_started: 'Not started',
  in_progress: 'In progress',
  completed: 'Completed',
  waiting: 'Waiting on someone',
  deferred: 'Deferred',
} as const satisfies Record<RecordTask['status'], string>;

export function AppointmentList({ appointments, name }: { appointments: RecordAppointment[]; name: string }) {
  const styles = useStyles();
  if (appointments.length === 0) return <Text>No appointments with {name} yet.</Text>;
  return (
    <ol className={styles.list} aria-label="Appointments">
      {appointments.map((a) => (
        <li key={a.id}>
          <Card>
            <CardHeader
              header={
                <Text weight="semibold" className={a.status === 'cancelled' ? styles.struck : undefined}>
                  {a.subject ?? '(no subject)'}
                </Text>
              }
              description={
                <Text size={200}>
                  {a.status === 'cancelled' && (
                    <>
                      <Badge appearance="tint" color="danger" size="small">
                        Cancelled
                      </Badge>{' '}
                    </>
                  )}
                  {meetingTime(a)}
                  {a.location && ` · ${a.location}`}
                </Text>
              }
            />
            {a.organizer && <Text size={200}>Organizer: {a.organizer}</Text>}
            {a.onlineMeetingUrl && (
              <Link href={a.onlineMeetingUrl} target="_blank" rel="noreferrer">
                Join online
              </Link>
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
  );
}

export function TaskList({ tasks, name }: { tasks: RecordTask[]; name: string }) {
  const styles = useStyles();
  if (tasks.length === 0) return <Text>No tasks about {name} yet.</Text>;
  return (
    <ol className={styles.list} aria-label="Tasks">
      {tasks.map((t) => (
        <li key={t.id}>
          <Card>
            <CardHeader
              header={
                <Text weight="semibold" className={t.status === 'completed' ? styles.struck : undefined}>
                  {t.title}
                </Text>
              }
              description={
                <Text size={200}>
                  <Badge appearance="outline" size="small">
                    {TASK_STATUS[t.status]}
                  </Badge>{' '}
                  {t.priority !== 'normal' && (
                    <>
                      <Badge
                        appearance="tint"
                        color={t.priority === 'high' ? 'warning' : 'informative'}
                        size="small"
                      >
                        {t.priority === 'high' ? 'High priority' : 'Low priority'}
                      </Badge>{' '}
                    </>
                  )}
                  Due {due(t.dueAt)}
                </Text>
              }
            />
            {t.webLink && (
              <Link href={t.webLink} target="_blank" rel="noreferrer">
                Open in To Do
              </Link>
            )}
          </Card>
        </li>
      ))}
    </ol>
  );
}
