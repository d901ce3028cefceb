import {
  Badge,
  Button,
  Card,
  CardHeader,
  Subtitle1,
  Text,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { useCallback, useEffect, useState } from 'react';
import { api } from '../api.ts';
import { when } from '../format.ts';
import type { NotificationItem } from '../types.ts';
import { Loading, OutcomeBar, useOutcome } from '../feedback.tsx';

const useStyles = makeStyles({
  page: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, maxWidth: '760px' },
  actions: { display: 'flex', gap: tokens.spacingHorizontalM },
  unread: { borderLeft: `4px solid ${tokens.colorBrandStroke1}` },
});

const INTENT = { info: 'informative', success: 'success', warning: 'warning', error: 'danger' } as const;

export function NotificationCenterPage() {
  const styles = useStyles();
  const [items, setItems] = useState<NotificationItem[]>();
  const { outcome, run, fail } = useOutcome();

  const load = useCallback(async () => {
    try {
      setItems((await api<{ items: NotificationItem[] }>('/notifications')).data.items);
    } catch (e) {
      fail(e);
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  const act = (path: string, method: string, body: unknown, done: string) =>
    run(async () => {
      await api(path, { method, ...(body ? { body } : {}) });
      return done;
    }, load);

  return (
    <section className={styles.page} aria-labelledby="center-title" data-section="notification-center">
      <Subtitle1 as="h2" id="center-title">
        Notification center
      </Subtitle1>
      <Text>Everything CRM Sync told you in the last 90 days, unread first.</Text>
      <div className={styles.actions}>
        <Button
          disabled={!items?.some((n) => !n.read)}
          onClick={() => void act('/notifications/read', 'POST', {}, 'Marked all read.')}
        >
          Mark all read
        </Button>
        <Button
          disabled={!items?.length}
          onClick={() => void act('/notifications', 'DELETE', undefined, 'Cleared.')}
        >
          Clear all
        </Button>
      </div>
      {items && <OutcomeBar outcome={outcome} />}
      {!items ? (
        <Loading error={outcome?.text} label="Loading notifications…" />
      ) : items.length === 0 ? (
        <Text>No notifications.</Text>
      ) : (
        <ul
          aria-label="Notifications"
          style={{ listStyle: 'none', padding: 0, margin: 0, display: 'grid', gap: 8 }}
        >
          {items.map((n) => (
            <li key={n.id}>
              <Card className={n.read ? undefined : styles.unread} data-read={n.read}>
                <CardHeader
                  header={
                    <Text weight={n.read ? 'regular' : 'semibold'}>
                      {n.title} {!n.read && <Badge size="small">new</Badge>}
                    </Text>
                  }
                  description={
                    <Text size={200}>
                      <Badge appearance="tint" color={INTENT[n.severity]} size="small">
                        {n.severity}
                      </Badge>{' '}
                      {when(n.createdAt)}
                    </Text>
                  }
                  action={
                    n.read ? undefined : (
                      <Button
                        size="small"
                        onClick={() =>
                          void act('/notifications/read', 'POST', { ids: [n.id] }, 'Marked read.')
                        }
                      >
                        Mark read
                      </Button>
                    )
                  }
                />
                <Text>{n.text}</Text>
              </Card>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
