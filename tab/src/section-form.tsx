import {
  Button,
  MessageBar,
  MessageBarActions,
  MessageBarBody,
  MessageBarTitle,
  Subtitle1,
  Text,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { type ReactNode, useEffect, useState } from 'react';
import { type SaveResult, useSettings } from './settings-store.tsx';
import type { SyncSettings } from './types.ts';
import { Loading } from './feedback.tsx';

const useStyles = makeStyles({
  form: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL, maxWidth: '720px' },
  actions: { display: 'flex', gap: tokens.spacingHorizontalM, alignItems: 'center' },
});

export interface SectionProps {
  draft: SyncSettings;
  update(patch: Partial<SyncSettings>): void;
  /** Fields the server refused, e.g. ["blocklist.1"]. */
  invalid: string[];
}

/**
 * One settings section: edits a draft of the settings, saves them whole with a clear confirmation
 * or error; "changed elsewhere" offers a reload instead of overwriting someone's change.
 */
export function SectionForm(props: {
  id: string;
  title: string;
  intro?: ReactNode;
  /** Checked before saving: a message stops the save (a confirmation the user still owes, say). */
  check?: (draft: SyncSettings) => string | undefined;
  children: (section: SectionProps) => ReactNode;
}) {
  const styles = useStyles();
  const { settings, loadError, reload, save } = useSettings();
  const [draft, setDraft] = useState<SyncSettings | undefined>(settings);
  const [result, setResult] = useState<SaveResult>();
  const [saving, setSaving] = useState(false);

  useEffect(() => setDraft(settings), [settings]);

  if (!draft) return <Loading error={loadError} label="Loading your settings…" />;

  const dirty = JSON.stringify(draft) !== JSON.stringify(settings);
  const onSave = async () => {
    const problem = props.check?.(draft);
    if (problem) {
      setResult({ ok: false, message: problem, conflict: false, fields: [] });
      return;
    }
    setSaving(true);
    setResult(await save(draft));
    setSaving(false);
  };

  return (
    <form
      className={styles.form}
      aria-labelledby={`${props.id}-title`}
      data-section={props.id}
      onSubmit={(e) => {
        e.preventDefault();
        void onSave();
      }}
    >
      <Subtitle1 as="h2" id={`${props.id}-title`}>
        {props.title}
      </Subtitle1>
      {props.intro && <Text as="p">{props.intro}</Text>}
      {props.children({
        draft,
        update: (patch) => {
          setDraft({ ...draft, ...patch });
          setResult(undefined);
        },
        invalid: result && !result.ok ? result.fields : [],
      })}
      <div className={styles.actions}>
        <Button appearance="primary" type="submit" disabled={saving || !dirty}>
          {saving ? 'Saving…' : 'Save'}
        </Button>
        <Button type="button" disabled={saving || !dirty} onClick={() => setDraft(settings)}>
          Discard changes
        </Button>
      </div>
      {result?.ok && (
        <MessageBar intent="success" role="status">
          <MessageBarBody>
            <MessageBarTitle>Saved</MessageBarTitle>
            Your next sync uses these settings.
          </MessageBarBody>
        </MessageBar>
      )}
      {result && !result.ok && (
        <MessageBar intent="error" role="alert">
          <MessageBarBody>
            <MessageBarTitle>{result.conflict ? 'Changed elsewhere' : 'Not saved'}</MessageBarTitle>
            {result.message}
          </MessageBarBody>
          {result.conflict && (
            <MessageBarActions>
              <Button
                type="button"
                onClick={() => {
                  setResult(undefined);
                  void reload();
                }}
              >
                Reload
              </Button>
            </MessageBarActions>
          )}
        </MessageBar>
      )}
    </form>
  );
}
