import { createContext, type ReactNode, useCallback, useContext, useEffect, useState } from 'react';
import type { ApiError } from './api.ts';
import { api } from './api.ts';
import type { SettingsAnswer, SyncSettings } from './types.ts';

/**
 * The user's settings as last read, with their etag. Every section saves the whole settings with
 * that etag; a change made elsewhere meanwhile comes back as "changed elsewhere, reload".
 */

export type SaveResult = { ok: true } | { ok: false; message: string; conflict: boolean; fields: string[] };

interface SettingsState {
  settings?: SyncSettings;
  etag: string | null;
  /** When the saved daily Sync All next runs, as the server works it out. */
  nextSyncAll: string | null;
  loadError?: string;
  reload(): Promise<void>;
  save(next: SyncSettings): Promise<SaveResult>;
}

const SettingsContext = createContext<SettingsState | undefined>(undefined);

export function SettingsProvider({ children }: { children: ReactNode }) {
  const [settings, setSettings] = useState<SyncSettings>();
  const [etag, setEtag] = useState<string | null>(null);
  const [nextSyncAll, setNextSyncAll] = useState<string | null>(null);
  const [loadError, setLoadError] = useState<string>();

  const reload = useCallback(async () => {
    try {
      const { data } = await api<SettingsAnswer>('/settings');
      setSettings(data.settings);
      setEtag(data.etag);
      setNextSyncAll(data.nextSyncAll);
      setLoadError(undefined);
    } catch (error) {
      setLoadError((error as Error).message);
    }
  }, []);

  const save = useCallback(
    async (next: SyncSettings): Promise<SaveResult> => {
      try {
        const { data } = await api<SettingsAnswer>('/settings', {
          method: 'PUT',
          body: next,
          ifMatch: etag,
        });
        setSettings(data.settings);
        setEtag(data.etag);
        setNextSyncAll(data.nextSyncAll);
        return { ok: true };
      } catch (error) {
        const e = error as ApiError;
        return { ok: false, message: e.message, conflict: e.status === 412, fields: e.fields ?? [] };
      }
    },
    [etag],
  );

  useEffect(() => {
    void reload();
  }, [reload]);

  return (
    <SettingsContext.Provider
      value={{
        ...(settings ? { settings } : {}),
        etag,
        nextSyncAll,
        ...(loadError ? { loadError } : {}),
        reload,
        save,
      }}
    >
      {children}
    </SettingsContext.Provider>
  );
}

export function useSettings(): SettingsState {
  const state = useContext(SettingsContext);
  if (!state) throw new Error('useSettings outside SettingsProvider');
  return state;
}
