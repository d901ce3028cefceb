import { Field, Input, Radio, RadioGroup, Switch } from '@fluentui/react-components';
import { day } from '../format.ts';
import { SectionForm } from '../section-form.tsx';
import type { SyncSettings } from '../types.ts';
import { Notice } from '../feedback.tsx';

/** More history than this is a large backfill: it takes a while and fills the CRM with old mail. */
const LARGE_BACKFILL_DAYS = 365;

type CutoffChoice = 'enabled' | 'date' | 'days';

const choiceOf = (s: SyncSettings): CutoffChoice =>
  s.daysBack !== undefined ? 'days' : s.cutoff !== undefined ? 'date' : 'enabled';

function backfillDays(s: SyncSettings): number {
  if (s.daysBack !== undefined) return s.daysBack;
  if (s.cutoff) return Math.round((Date.now() - Date.parse(s.cutoff)) / 86_400_000);
  return 0;
}

export function EmailSection() {
  return (
    <SectionForm id="email" title="Email" intro="Which emails reach your CRM, and how much of each.">
      {({ draft, update, invalid }) => {
        const choice = choiceOf(draft);
        const days = backfillDays(draft);
        const setChoice = (next: CutoffChoice) => {
          // Explicit undefined: the other way of setting the cutoff is dropped, not kept beside it.
          if (next === 'date')
            update({ cutoff: new Date(Date.now() - 30 * 86_400_000).toISOString(), daysBack: undefined });
          else if (next === 'days') update({ daysBack: 30, cutoff: undefined });
          else update({ cutoff: undefined, daysBack: undefined });
        };
        return (
          <>
            <Switch
              label="Sync my email to the CRM"
              checked={draft.emailSync}
              onChange={(_, d) => update({ emailSync: d.checked, ...(d.checked ? { active: true } : {}) })}
            />
            <Switch
              label="Upload attachments"
              checked={draft.attachments}
              onChange={(_, d) => update({ attachments: d.checked })}
            />
            {draft.attachments && (
              <Field
                label="Largest attachment size per email (MB)"
                hint="Attachments beyond this are named in the activity but not uploaded."
                validationState={invalid.includes('attachmentMaxMb') ? 'error' : 'none'}
                validationMessage={invalid.includes('attachmentMaxMb') ? 'Enter 1 to 150 MB.' : undefined}
              >
                <Input
                  type="number"
                  min={1}
                  max={150}
                  value={String(draft.attachmentMaxMb)}
                  onChange={(_, d) => update({ attachmentMaxMb: Number(d.value) })}
                />
              </Field>
            )}
            <Field label="Which emails" hint="Emails before the cutoff are not synced.">
              <RadioGroup value={choice} onChange={(_, d) => setChoice(d.value as CutoffChoice)}>
                <Radio value="enabled" label={`From when I turned sync on (${day(draft.enabledAt)})`} />
                <Radio value="date" label="From a date" />
                <Radio value="days" label="The last number of days" />
              </RadioGroup>
            </Field>
            {choice === 'date' && (
              <Field label="Emails before this date are not synced">
                <Input
                  type="date"
                  value={draft.cutoff?.slice(0, 10) ?? ''}
                  onChange={(_, d) =>
                    d.value && update({ cutoff: new Date(`${d.value}T00:00:00`).toISOString() })
                  }
                />
              </Field>
            )}
            {choice === 'days' && (
              <Field
                label="Days back"
                validationState={invalid.includes('daysBack') ? 'error' : 'none'}
                validationMessage={invalid.includes('daysBack') ? 'Enter 0 to 3650 days.' : undefined}
              >
                <Input
                  type="number"
                  min={0}
                  max={3650}
                  value={String(draft.daysBack ?? 0)}
                  onChange={(_, d) => update({ daysBack: Number(d.value) })}
                />
              </Field>
            )}
            {days > LARGE_BACKFILL_DAYS && (
              <Notice intent="warning">
                That is {days} days of mail: the first sync can take a long time and adds every old email that
                matches a candidate or contact to the CRM.
              </Notice>
            )}
            <Field label="What reaches the CRM">
              <RadioGroup
                value={draft.visibility}
                onChange={(_, d) => update({ visibility: d.value as SyncSettings['visibility'] })}
              >
                <Radio value="full" label="The whole email: subject, body and attachments" />
                <Radio value="subject" label="Subject and addresses only" />
                <Radio value="metadata" label="Only that an email was exchanged (addresses and date)" />
              </RadioGroup>
            </Field>
            <Field label="Match emails to records by">
              <RadioGroup
                value={draft.matchAllParticipants ? 'all' : 'direction'}
                onChange={(_, d) => update({ matchAllParticipants: d.value === 'all' })}
              >
                <Radio value="direction" label="The sender of received mail; To and Cc of sent mail" />
                <Radio value="all" label="Everyone on the email" />
              </RadioGroup>
            </Field>
            <Switch
              label="Skip threads that are internal to our organization"
              checked={draft.skipInternalOnly}
              onChange={(_, d) => update({ skipInternalOnly: d.checked })}
            />
            <Switch
              label="Also link emails to the contact's company"
              checked={draft.linkCompanies}
              onChange={(_, d) => update({ linkCompanies: d.checked })}
            />
          </>
        );
      }}
    </SectionForm>
  );
}
