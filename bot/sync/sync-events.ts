import type { LedgerStatus } from './ledger.ts';
import type { ItemKind } from '../mail-source/item-source.port.ts';
import type { ItemRunCounts, RunSummary, SyncMode } from './sync-state.ts';

/** What the sync tells the notifier (and the CLI's progress line). */
export interface SyncEventMap {
  progress: {
    tenantId: string;
    userId: string;
    runId: string;
    mode: SyncMode;
    folder: string;
    processed: number;
    total: number;
    byStatus: Record<LedgerStatus, number>;
    /** A contact folder, task list or the calendar: which kind, and its counts so far. */
    kind?: ItemKind;
    items?: ItemRunCounts;
  };
  itemError: {
    tenantId: string;
    userId: string;
    runId: string;
    messageId: string;
    subject: string;
    note: string;
    /** A contact, task or event (its id is `messageId`); an email otherwise. */
    kind?: ItemKind;
  };
  runSummary: { tenantId: string; userId: string; summary: RunSummary };
  /** CaptureME's Process Later, settled at a sync: the candidate made (or the one the email joined), or why not. */
  captured: {
    tenantId: string;
    userId: string;
    messageId: string;
    candidate?: { id: string; name: string; created: boolean };
    error?: string;
  };
  /** Graph refused the mailbox, or only one kind of item (`what`: "contacts", "tasks", "calendar"). */
  needsConsent: { tenantId: string; userId: string; note: string; what?: string };
  /** `pausedAt`: when an outage paused the mailbox (absent when the user paused it). */
  paused: { tenantId: string; userId: string; note: string; pausedAt?: string };
  /** `byUser`: the user typed resume; otherwise a paused run picked up again on its own (`pausedAt`). */
  resumed: { tenantId: string; userId: string; byUser?: boolean; pausedAt?: string };
}

export class SyncEvents {
  private readonly listeners: { [K in keyof SyncEventMap]?: Array<(event: SyncEventMap[K]) => void> } = {};

  on<K extends keyof SyncEventMap>(name: K, listener: (event: SyncEventMap[K]) => void): () => void {
    const list = (this.listeners[name] ??= []) as Array<(event: SyncEventMap[K]) => void>;
    list.push(listener);
    return () => {
      const index = list.indexOf(listener);
      if (index >= 0) list.splice(index, 1);
    };
  }

  emit<K extends keyof SyncEventMap>(name: K, event: SyncEventMap[K]): void {
    for (const listener of this.listeners[name] ?? []) listener(event);
  }
}
