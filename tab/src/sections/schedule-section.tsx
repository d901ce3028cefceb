import { Field, Input, Radio, RadioGroup, Select, Switch, Text } from '@fluentui/react-components';
import { when } from '../format.ts';
import { SectionForm } from '../section-form.tsx';
import { useSettings } from '../settings-store.tsx';
import type { Schedule } from '../types.ts';

const INTERVALS = [5, 15, 30, 45, 60] as const;
const localTimeZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

export function ScheduleSection() {
  const { settings, nextSyncAll } = useSettings();
  return (
    <SectionForm
      id="schedule"
      title="Schedule"
      intro="While sync is on, new mail in your chosen folders also syncs within seconds of arriving, through change notifications. The schedule is the safety net that catches anything missed."
    >
      {({ draft, update, invalid }) => {
        const s = draft.schedule;
        const set = (schedule: Schedule) => update({ schedule });
        return (
          <>
            <Field label="Sync on a schedule">
              <RadioGroup
                value={s.kind}
                onChange={(_, d) => {
                  if (d.value === 'interval') set({ kind: 'interval', minutes: 15 });
                  else if (d.value === 'daily')
                    set({ kind: 'daily', at: '22:00', timeZone: localTimeZone() });
                  else set({ kind: 'none' });
                }}
              >
                <Radio value="interval" label="Every few minutes" />
                <Radio value="daily" label="Every day at a time" />
                <Radio
                  value="none"
                  label="Do not schedule sync (sync now and change notifications still work)"
                />
              </RadioGroup>
            </Field>
            {s.kind === 'interval' && (
              <Field label="Every">
                <Select
                  value={String(s.minutes)}
                  onChange={(_, d) =>
                    set({ kind: 'interval', minutes: Number(d.value) as (typeof INTERVALS)[number] })
                  }
                >
                  {INTERVALS.map((m) => (
                    <option key={m} value={m}>
                      {m} minutes
                    </option>
                  ))}
                </Select>
              </Field>
            )}
            {s.kind === 'daily' && (
              <>
                <Field
                  label={`Time of day (${s.timeZone})`}
                  hint="Tip: schedule it outside working hours, at night for example."
                  validationState={invalid.some((f) => f.startsWith('schedule')) ? 'error' : 'none'}
                  validationMessage={
                    invalid.some((f) => f.startsWith('schedule')) ? 'Enter a time as HH:MM.' : undefined
                  }
                >
                  <Input type="time" value={s.at} onChange={(_, d) => set({ ...s, at: d.value })} />
                </Field>
                {s.timeZone !== localTimeZone() && (
                  <Text>
                    Your device is in {localTimeZone()}.{' '}
                    <a
                      href="#"
                      onClick={(e) => (e.preventDefault(), set({ ...s, timeZone: localTimeZone() }))}
                    >
                      Use {localTimeZone()}
                    </a>
                  </Text>
                )}
              </>
            )}
            <Field
              label="Sync all at a time"
              hint="Every day at this time, all new email in your chosen folders is synced: after your working day, for example. It runs even while automatic sync is paused, but not while email sync is off."
            >
              <Switch
                label="Also sync all my folders every day"
                checked={draft.syncAllAt !== undefined}
                onChange={(_, d) =>
                  update({ syncAllAt: d.checked ? { at: '18:00', timeZone: localTimeZone() } : undefined })
                }
              />
            </Field>
            {draft.syncAllAt && (
              <Field
                label={`Sync all at (${draft.syncAllAt.timeZone})`}
                validationState={invalid.some((f) => f.startsWith('syncAllAt')) ? 'error' : 'none'}
                validationMessage={
                  invalid.some((f) => f.startsWith('syncAllAt')) ? 'Enter a time as HH:MM.' : undefined
                }
              >
                <Input
                  type="time"
                  value={draft.syncAllAt.at}
                  onChange={(_, d) => update({ syncAllAt: { at: d.value, timeZone: localTimeZone() } })}
                />
              </Field>
            )}
            {settings?.syncAllAt && (
              <Text data-next-sync-all={nextSyncAll ?? ''}>
                Next Sync All: {nextSyncAll ? when(nextSyncAll) : 'not while email sync is off'}
              </Text>
            )}
          </>
        );
      }}
    </SectionForm>
  );
}
