import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
} from '@fluentui/react-components';
import { useState } from 'react';
import { api } from './api.ts';

/**
 * The seeds' Resend All ("not at all recommended"): a button that asks first, saying what it does,
 * as the bot's confirmation card does. Only the dialog's confirm button calls the API.
 */
export function ResendAllButton(props: {
  disabled: boolean;
  folders: string[];
  /** Runs the request and says how it went (the status page's outcome bar). */
  act(work: () => Promise<string>): Promise<void>;
}) {
  const [asking, setAsking] = useState(false);
  return (
    <>
      <Button disabled={props.disabled} onClick={() => setAsking(true)}>
        Resend all
      </Button>
      <Dialog open={asking} onOpenChange={(_, d) => setAsking(d.open)}>
        <DialogSurface>
          <DialogBody>
            <DialogTitle>Resend all your email to the CRM?</DialogTitle>
            <DialogContent>
              <p>
                Every email in your selected folders ({props.folders.join(', ') || 'none'}) since your cutoff
                date is sent to the CRM again.
              </p>
              <p>
                Emails already in the CRM are not duplicated: their links to candidates and contacts are
                refreshed. Contacts, tasks and appointments you sync are written again too, each still one CRM
                item.
              </p>
              <p>
                It can take a long time on a large mailbox, and it is not usually needed: Sync now already
                picks up anything new.
              </p>
            </DialogContent>
            <DialogActions>
              <Button
                appearance="primary"
                onClick={() => {
                  setAsking(false);
                  void props.act(async () => {
                    await api('/sync/resend-all', { method: 'POST' });
                    return 'Resend All has started: your selected folders are being sent to the CRM again.';
                  });
                }}
              >
                Yes, resend all
              </Button>
              <Button onClick={() => setAsking(false)}>Cancel</Button>
            </DialogActions>
          </DialogBody>
        </DialogSurface>
      </Dialog>
    </>
  );
}
