import { randomUUID } from 'node:crypto';
import { calendarView, type CalendarInstance } from './calendar-view.ts';
import type { ItemKind, ItemsModel, SandboxCollection, SandboxItem } from './items-model.ts';

/**
 * Delta rounds over contact folders, To Do lists and the calendar view. A round's entries are
 * worked out when it starts (changes after that wait for the next round, as in Graph) and kept
 * while its pages are read; the tokens are opaque to clients, as Graph's are.
 *
 * The calendar view also remembers which instances the last round left the client with, because
 * Graph reports as `@removed` what left the window (moved out, deleted, a series shortened), and
 * any event changed outside the window (event: delta, "Response").
 */

/** What a delta or skip token carries. */
export interface ItemDeltaState {
  k: ItemKind;
  /** collection id */
  c: string;
  /** collection generation */
  g: number;
  /** the sandbox process that issued it */
  e: string;
  /** the round's start: changes after this sequence number */
  from: number;
  /** the calendar window, ms since the epoch */
  w?: [number, number];
  /** the calendar instances the previous round ended with */
  p?: string;
  /** $select, carried by the links as Graph encodes query options into them */
  s?: string[];
  /** $expand=linkedResources */
  x?: 1;
  /** skip tokens: the round under way and the position in it */
  r?: string;
  n?: number;
}

export interface RoundEntry {
  item?: SandboxItem;
  instance?: CalendarInstance;
  /** an id that left the collection: [immutable id, REST id] */
  removed?: [string, string];
}

interface Round {
  entries: RoundEntry[];
  next: ItemDeltaState;
}

/** Rounds and calendar snapshots kept; older ones are gone, and their tokens answer 410 as expired ones do. */
const KEPT = 500;

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.set(key, value);
  if (map.size > KEPT) map.delete(map.keys().next().value!);
}

export function encodeState(state: ItemDeltaState): string {
  return Buffer.from(JSON.stringify(state)).toString('base64url');
}

export function decodeState(token: string): ItemDeltaState | undefined {
  if (token.length > 4096) return undefined;
  try {
    const state = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as ItemDeltaState;
    return typeof state.c === 'string' && typeof state.g === 'number' && typeof state.k === 'string'
      ? state
      : undefined;
  } catch {
    return undefined;
  }
}

export class ItemDeltas {
  private readonly rounds = new Map<string, Round>();
  /** Per calendar round: instance immutable id -> REST id, of what the round delivered. */
  private readonly snapshots = new Map<string, Map<string, string>>();
  private readonly model: ItemsModel;

  constructor(model: ItemsModel) {
    this.model = model;
  }

  /** A started round's page, or undefined when the round is no longer kept. */
  round(id: string): Round | undefined {
    return this.rounds.get(id);
  }

  knowsSnapshot(id: string | undefined): boolean {
    return id === undefined || this.snapshots.has(id);
  }

  /** Starts a round from a delta state (initial when `from` is 0 and no snapshot is given). */
  start(collection: SandboxCollection, state: ItemDeltaState): string {
    const to = this.model.currentSeq(collection.userId);
    const initial = state.from === 0 && state.p === undefined;
    const entries =
      state.k === 'event'
        ? this.calendarEntries(collection, state, to, initial)
        : this.collectionEntries(collection, state.k, state.from, to, initial);
    const next: ItemDeltaState = { ...state, from: to };
    delete next.r;
    delete next.n;
    if (state.k === 'event') {
      // After the round the client holds every instance now in the window.
      const snapshot = new Map(this.instances(collection, state.w!).map((i) => [i.id(true), i.id(false)]));
      const snapshotId = randomUUID();
      remember(this.snapshots, snapshotId, snapshot);
      next.p = snapshotId;
    }
    const roundId = randomUUID();
    remember(this.rounds, roundId, { entries, next });
    return roundId;
  }

  private collectionEntries(
    collection: SandboxCollection,
    kind: ItemKind,
    from: number,
    to: number,
    initial: boolean,
  ): RoundEntry[] {
    const present = this.model.itemsIn(collection.id, kind);
    const changed = present
      .filter((item) => initial || (item.seq > from && item.seq <= to))
      .sort((a, b) => a.seq - b.seq)
      .map((item) => ({ item }) as RoundEntry);
    if (initial) return changed;
    const here = new Set(present.map((i) => i.immutableId));
    const removed = new Map<string, RoundEntry>();
    for (const t of this.model.tombstonesOf(collection.id)) {
      if (t.seq <= from || t.seq > to || here.has(t.immutableId)) continue;
      removed.set(t.immutableId, { removed: [t.immutableId, t.restId] });
    }
    return [...removed.values(), ...changed];
  }

  private instances(collection: SandboxCollection, window: [number, number]): CalendarInstance[] {
    return calendarView(this.model.itemsIn(collection.id, 'event'), window[0], window[1]);
  }

  private calendarEntries(
    collection: SandboxCollection,
    state: ItemDeltaState,
    to: number,
    initial: boolean,
  ): RoundEntry[] {
    const instances = this.instances(collection, state.w!);
    if (initial) return instances.map((instance) => ({ item: instance.item, instance }));
    const previous = this.snapshots.get(state.p!) ?? new Map<string, string>();
    const current = new Set(instances.map((i) => i.id(true)));
    const inView = new Set(instances.map((i) => i.item.immutableId));
    const removed = new Map<string, RoundEntry>();
    const drop = (immutable: string, rest: string) => {
      if (!current.has(immutable)) removed.set(immutable, { removed: [immutable, rest] });
    };
    for (const [immutable, rest] of previous) drop(immutable, rest);
    for (const item of this.model.itemsIn(collection.id, 'event')) {
      if (item.seq > state.from && item.seq <= to && !inView.has(item.immutableId))
        drop(item.immutableId, item.restId);
    }
    for (const t of this.model.tombstonesOf(collection.id)) {
      if (t.seq > state.from && t.seq <= to) drop(t.immutableId, t.restId);
    }
    const changed = instances
      .filter((i) => (i.item.seq > state.from && i.item.seq <= to) || !previous.has(i.id(true)))
      .map((instance) => ({ item: instance.item, instance }) as RoundEntry);
    return [...removed.values(), ...changed];
  }
}
