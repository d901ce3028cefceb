import { Field, Input, Radio, RadioGroup, Select, Text } from '@fluentui/react-components';
import { SectionForm } from '../section-form.tsx';
import type { Schedule } from '../types.ts';

const INTERVALS = [5, 15, 30, 45, 60] as const;
const localTimeZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

export function ScheduleSection() {
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
          </>
        );
      }}
    </SectionForm>
  );
}
