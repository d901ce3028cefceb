import { MessageBar, MessageBarBody, Spinner } from '@fluentui/react-components';
import { type ReactNode, useState } from 'react';

/** How every page tells the user what happened: one message bar, and loading or failing to load. */

export type Intent = 'success' | 'error' | 'warning' | 'info';

/** A message bar; errors are announced at once (alert), the rest politely (status). */
export function Notice({ intent, children }: { intent: Intent; children: ReactNode }) {
  return (
    <MessageBar intent={intent} role={intent === 'error' ? 'alert' : 'status'}>
      <MessageBarBody>{children}</MessageBarBody>
    </MessageBar>
  );
}

/** What a page shows until its data is there: the spinner, or why it could not be loaded. */
export function Loading({ error, label }: { error?: string | undefined; label: string }) {
  return error ? <Notice intent="error">{error}</Notice> : <Spinner label={label} />;
}

export interface Outcome {
  intent: 'success' | 'error';
  text: string;
}

/**
 * Runs what a button asks for: busy meanwhile, then its answer or its error as the outcome,
 * then `after` (a reload, say) whichever it was.
 */
export function useOutcome() {
  const [outcome, setOutcome] = useState<Outcome>();
  const [busy, setBusy] = useState(false);
  const run = async (work: () => Promise<string>, after?: () => Promise<void>) => {
    setBusy(true);
    try {
      setOutcome({ intent: 'success', text: await work() });
    } catch (error) {
      setOutcome({ intent: 'error', text: (error as Error).message });
    }
    setBusy(false);
    await after?.();
  };
  const fail = (error: unknown) => setOutcome({ intent: 'error', text: (error as Error).message });
  return { outcome, busy, run, fail, clear: () => setOutcome(undefined) };
}

export function OutcomeBar({ outcome }: { outcome: Outcome | undefined }) {
  return outcome ? <Notice intent={outcome.intent}>{outcome.text}</Notice> : null;
}
