import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  Switch,
} from '@fluentui/react-components';
import { useState } from 'react';
import { SectionForm } from '../section-form.tsx';
import { Coming } from './coming.tsx';

/** Contacts, tasks and calendar: the seeds' options, saved now, acted on when the engine gets them. */

export function ContactsSection() {
  const [asking, setAsking] = useState(false);
  return (
    <SectionForm id="contacts" title="Contacts" intro="Sync your Outlook contacts into the CRM's contacts.">
      {({ draft, update }) => (
        <>
          <Coming what="Contact" />
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

export function TasksSection() {
  return (
    <SectionForm id="tasks" title="Tasks" intro="Sync your Outlook tasks into the CRM's tasks.">
      {({ draft, update }) => (
        <>
          <Coming what="Task" />
          <Switch
            label="Sync my Outlook tasks"
            checked={draft.tasks.enabled}
            onChange={(_, d) => update({ tasks: { ...draft.tasks, enabled: d.checked } })}
          />
          <Switch
            label="Sync deleted items (a task deleted in Outlook is deleted in the CRM)"
            checked={draft.tasks.syncDeleted}
            disabled={!draft.tasks.enabled}
            onChange={(_, d) => update({ tasks: { ...draft.tasks, syncDeleted: d.checked } })}
          />
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

export function CalendarSection() {
  return (
    <SectionForm
      id="calendar"
      title="Calendar"
      intro="Sync your Outlook appointments into the CRM's appointments."
    >
      {({ draft, update }) => (
        <>
          <Coming what="Calendar" />
          <Switch
            label="Sync my Outlook appointments"
            checked={draft.calendar.enabled}
            onChange={(_, d) => update({ calendar: { ...draft.calendar, enabled: d.checked } })}
          />
          <Switch
            label="Sync deleted items (an appointment deleted in Outlook is deleted in the CRM)"
            checked={draft.calendar.syncDeleted}
            disabled={!draft.calendar.enabled}
            onChange={(_, d) => update({ calendar: { ...draft.calendar, syncDeleted: d.checked } })}
          />
        </>
      )}
    </SectionForm>
  );
}
