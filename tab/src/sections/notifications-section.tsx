import { Field, Radio, RadioGroup, Select } from '@fluentui/react-components';
import { SectionForm } from '../section-form.tsx';
import type { SyncSettings } from '../types.ts';

const EVERY: Array<{ minutes: SyncSettings['notifications']['everyMinutes']; label: string }> = [
  { minutes: 0, label: 'As it happens' },
  { minutes: 15, label: 'At most every 15 minutes' },
  { minutes: 60, label: 'At most every hour' },
  { minutes: 240, label: 'At most every 4 hours' },
  { minutes: 1440, label: 'At most once a day' },
];

export function NotificationsSection() {
  return (
    <SectionForm
      id="notifications"
      title="Notifications"
      intro="What the CRM Sync bot tells you in Teams, and keeps in the notification center, about automatic syncs. A sync you start yourself always reports back."
    >
      {({ draft, update }) => (
        <>
          <Field label="Tell me about">
            <RadioGroup
              value={draft.notifications.level}
              onChange={(_, d) =>
                update({
                  notifications: {
                    ...draft.notifications,
                    level: d.value as SyncSettings['notifications']['level'],
                  },
                })
              }
            >
              <Radio value="all" label="Errors and summaries" />
              <Radio value="errors" label="Errors only" />
              <Radio value="off" label="Only what needs me: a sync paused, consent needed" />
            </RadioGroup>
          </Field>
          <Field label="How often">
            <Select
              disabled={draft.notifications.level === 'off'}
              value={String(draft.notifications.everyMinutes)}
              onChange={(_, d) =>
                update({
                  notifications: {
                    ...draft.notifications,
                    everyMinutes: Number(d.value) as SyncSettings['notifications']['everyMinutes'],
                  },
                })
              }
            >
              {EVERY.map((e) => (
                <option key={e.minutes} value={e.minutes}>
                  {e.label}
                </option>
              ))}
            </Select>
          </Field>
        </>
      )}
    </SectionForm>
  );
}
