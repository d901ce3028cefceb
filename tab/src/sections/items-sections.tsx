import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  Switch,
  Text,
} from '@fluentui/react-components';
import { useState } from 'react';
import { SectionForm } from '../section-form.tsx';
import { ItemStatusLine } from './item-status.tsx';

/**
 * Contacts, tasks and calendar: each kind's switch and the seeds' options, what the last syncs did
 * with it, and in plain words what a deletion in Outlook does in the CRM.
 */

interface Props {
  navigate(path: string): void;
}

export function ContactsSection({ navigate }: Props) {
  const [asking, setAsking] = useState(false);
  return (
    <SectionForm id="contacts" title="Contacts" intro="Sync your Outlook contacts into the CRM's contacts.">
      {({ draft, update }) => (
        <>
          <ItemStatusLine kind="contact" navigate={navigate} />
          <Text block>
            Contacts are never deleted from the CRM: a contact you delete in Outlook stays there, because the
            CRM usually knows more about a person than Outlook does. Your colleagues and addresses on your
            blocklist are kept out.
          </Text>
          <Switch
            label="Sync my Outlook contacts"
            checked={draft.contacts.enabled}
            onChange={(_, d) => (d.checked ? setAsking(true) : update({ contacts: { enabled: false } }))}
          />
          <Dialog open={asking} onOpenChange={(_, d) => setAsking(d.open)}>
            <DialogSurface>
              <DialogBody>
                <DialogTitle>Turn on contact sync?</DialogTitle>
                <DialogContent>
                  <p>Contact sync is off by default for two reasons:</p>
                  <ul>
                    <li>It can create duplicate contacts in the CRM.</li>
                    <li>
                      It can overwrite CRM contact details with Outlook's: the CRM usually knows more about a
                      contact, and when the same contact is synced those details may be replaced.
                    </li>
                  </ul>
                </DialogContent>
                <DialogActions>
                  <Button
                    appearance="primary"
                    onClick={() => {
                      update({ contacts: { enabled: true, confirmedAt: new Date().toISOString() } });
                      setAsking(false);
                    }}
                  >
                    Turn on contact sync
                  </Button>
                  <Button onClick={() => setAsking(false)}>Keep it off</Button>
                </DialogActions>
              </DialogBody>
            </DialogSurface>
          </Dialog>
        </>
      )}
    </SectionForm>
  );
}

export function TasksSection({ navigate }: Props) {
  return (
    <SectionForm id="tasks" title="Tasks" intro="Sync your Outlook tasks into the CRM's tasks.">
      {({ draft, update }) => (
        <>
          <ItemStatusLine kind="task" navigate={navigate} />
          <Switch
            label="Sync my Outlook tasks"
            checked={draft.tasks.enabled}
            onChange={(_, d) => update({ tasks: { ...draft.tasks, enabled: d.checked } })}
          />
          <Switch
            label="Sync deleted items"
            aria-describedby="tasks-deleted-hint"
            checked={draft.tasks.syncDeleted}
            disabled={!draft.tasks.enabled}
            onChange={(_, d) => update({ tasks: { ...draft.tasks, syncDeleted: d.checked } })}
          />
          <Text block id="tasks-deleted-hint">
            On: a task you delete in Outlook is deleted in the CRM too. Off: it stays in the CRM as it was.
          </Text>
          <Switch
            label="Put Outlook's other task information into the description"
            checked={draft.tasks.otherInfoInDescription}
            disabled={!draft.tasks.enabled}
            onChange={(_, d) => update({ tasks: { ...draft.tasks, otherInfoInDescription: d.checked } })}
          />
        </>
      )}
    </SectionForm>
  );
}

export function CalendarSection({ navigate }: Props) {
  return (
    <SectionForm
      id="calendar"
      title="Calendar"
      intro="Sync your Outlook appointments into the CRM's appointments."
    >
      {({ draft, update }) => (
        <>
          <ItemStatusLine kind="event" navigate={navigate} />
          <Text block>
            Private appointments are never synced; one made private after it was synced is taken out of the
            CRM. Appointments are synced from your sync's start date (set in Email, at most a year back) to
            180 days ahead, and a recurring meeting occurrence by occurrence within that time.
          </Text>
          <Switch
            label="Sync my Outlook appointments"
            checked={draft.calendar.enabled}
            onChange={(_, d) => update({ calendar: { ...draft.calendar, enabled: d.checked } })}
          />
          <Switch
            label="Sync deleted items"
            aria-describedby="calendar-deleted-hint"
            checked={draft.calendar.syncDeleted}
            disabled={!draft.calendar.enabled}
            onChange={(_, d) => update({ calendar: { ...draft.calendar, syncDeleted: d.checked } })}
          />
          <Text block id="calendar-deleted-hint">
            On: an appointment you delete in Outlook is deleted in the CRM, and one that is cancelled is
            marked cancelled there. Off: both stay in the CRM as they were.
          </Text>
        </>
      )}
    </SectionForm>
  );
}
