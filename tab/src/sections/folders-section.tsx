import { Badge, Checkbox, Switch, makeStyles, tokens } from '@fluentui/react-components';
import { useEffect, useState } from 'react';
import { api } from '../api.ts';
import { SectionForm } from '../section-form.tsx';
import type { Folder } from '../types.ts';
import { Loading } from '../feedback.tsx';

const useStyles = makeStyles({
  tree: { listStyleType: 'none', margin: 0, paddingLeft: tokens.spacingHorizontalXL },
  row: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalS },
});

/** The mailbox's folders, loaded once per tab. */
function useFolders(): { folders?: Folder[]; error?: string } {
  const [state, setState] = useState<{ folders?: Folder[]; error?: string }>({});
  useEffect(() => {
    api<{ folders: Folder[] }>('/folders').then(
      ({ data }) => setState({ folders: data.folders }),
      (error: Error) => setState({ error: error.message }),
    );
  }, []);
  return state;
}

/** A folder is chosen by its well-known name when it has one (it survives a rename), else by id. */
const keyOf = (f: Folder) => f.wellKnownName ?? f.id;

export function FoldersSection() {
  const styles = useStyles();
  const { folders, error } = useFolders();
  return (
    <SectionForm
      id="folders"
      title="Folders"
      intro="Sync all, the schedule and change notifications look in these folders. Sync to CRM on a single email works in any folder."
    >
      {({ draft, update }) => {
        if (!folders) return <Loading error={error} label="Reading your folders…" />;
        const chosen = new Set(draft.folders);
        const isChosen = (f: Folder) =>
          chosen.has(f.id) || (f.wellKnownName !== null && chosen.has(f.wellKnownName));
        const toggle = (f: Folder, on: boolean) => {
          const rest = draft.folders.filter((k) => k !== f.id && k !== f.wellKnownName);
          update({ folders: on ? [...rest, keyOf(f)] : rest });
        };
        const ids = new Set(folders.map((f) => f.id));
        const children = (parent: string | null) =>
          folders.filter((f) => (parent === null ? !ids.has(f.parentFolderId) : f.parentFolderId === parent));
        // With subfolders included, a chosen folder's subfolders are synced with it: shown ticked, not choosable.
        const branch = (parent: string | null, inherited = false) => (
          <ul
            className={styles.tree}
            role={parent === null ? 'tree' : 'group'}
            aria-label={parent === null ? 'Mail folders' : undefined}
          >
            {children(parent).map((f) => (
              <li key={f.id} role="treeitem" aria-selected={isChosen(f)}>
                <div className={styles.row}>
                  <Checkbox
                    label={`${f.displayName} (${f.totalItemCount})${inherited && !f.neverAutomatic ? ', with its parent' : ''}`}
                    checked={!f.neverAutomatic && (isChosen(f) || inherited)}
                    disabled={f.neverAutomatic || inherited}
                    onChange={(_, d) => toggle(f, d.checked === true)}
                  />
                  {f.neverAutomatic && (
                    <Badge appearance="tint" color="informative">
                      never synced automatically
                    </Badge>
                  )}
                </div>
                {children(f.id).length > 0 &&
                  branch(f.id, draft.includeSubfolders && !f.neverAutomatic && (inherited || isChosen(f)))}
              </li>
            ))}
          </ul>
        );
        return (
          <>
            <Switch
              label="Include the subfolders of chosen folders"
              checked={draft.includeSubfolders}
              onChange={(_, d) => update({ includeSubfolders: d.checked })}
            />
            {branch(null)}
          </>
        );
      }}
    </SectionForm>
  );
}
