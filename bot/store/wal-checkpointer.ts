import { Worker } from 'node:worker_threads';

/**
 * Checkpoints an SQLite database's write-ahead log from a thread of its own, so the fsyncs a
 * checkpoint makes do not stop the event loop. SQLite's automatic checkpoint runs inside whichever
 * commit takes the log past 1,000 pages: copying them into the database file and syncing it, with
 * every request waiting. A production-shape backfill spent 6 of its 16 s in commits, most of that
 * in checkpoints (with `synchronous = OFF` the same commits took 2.5 s). Checkpoints here are
 * PASSIVE: they copy what no reader still needs and never block the writer, so durability is what
 * `synchronous = NORMAL` in WAL mode gives, as before. The log only starts over when a write begins
 * with all of it copied, which this thread's checkpoints never manage under writes that never
 * pause: the writing connection keeps a checkpoint of its own past SQLite's threshold (SqliteStore's
 * WAL_BACKSTOP_PAGES), short since this thread has copied most of the log, and that one completes.
 */

/** Between checkpoints while there is nothing left to copy. */
const IDLE_MS = 200;
/** Between checkpoints while frames wait: long enough for the writer's own to find the lock free. */
const GAP_MS = 20;

/** Runs in the worker: its own connection to the file, a PASSIVE checkpoint whenever frames wait. */
const WORKER_SOURCE = `
const { DatabaseSync } = require('node:sqlite');
const { parentPort, workerData } = require('node:worker_threads');
const db = new DatabaseSync(workerData.path);
db.exec('PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;');
const step = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
let timer;
let stopped = false;
function tick() {
  if (stopped) return;
  let behind = false;
  try {
    // busy: another checkpoint ran; log: frames in the log; checkpointed: frames copied.
    const r = step.get();
    behind = r.busy === 0 && r.checkpointed >= 0 && r.checkpointed < r.log;
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message ? error.message : error) });
    return;
  }
  // Never back to back: the writer's own checkpoint (past its backstop) needs the lock a checkpoint
  // holds, and only gets it between two of these.
  timer = setTimeout(tick, behind ? workerData.gapMs : workerData.idleMs);
}
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  stopped = true;
  clearTimeout(timer);
  db.close();
  parentPort.postMessage('closed');
  parentPort.close();
});
timer = setTimeout(tick, workerData.idleMs);
`;

export class WalCheckpointer {
  private readonly worker: Worker;
  private closing?: Promise<void>;
  private exited = false;

  /**
   * Starts checkpointing `path` in a worker thread; `onFailure` hears when it stops on its own (the
   * caller then turns SQLite's own checkpoints back on, so the log never grows unchecked).
   */
  constructor(path: string, onFailure: (reason: string) => void) {
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { path, idleMs: IDLE_MS, gapMs: GAP_MS },
      // A loop of one statement: a small heap is plenty, and the process's memory is the sync's.
      resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 2 },
    });
    // Never what keeps a process alive: a store left open still lets the process end.
    this.worker.unref();
    let failed = false;
    const fail = (reason: string) => {
      if (failed || this.closing) return;
      failed = true;
      onFailure(reason);
    };
    this.worker.on('message', (message: unknown) => {
      if (message && typeof message === 'object' && 'error' in message) {
        fail(String((message as { error: unknown }).error));
        void this.worker.terminate();
      }
    });
    this.worker.on('error', (error) => fail(error.message));
    this.worker.on('exit', (code) => {
      this.exited = true;
      fail(`the checkpoint thread ended (${code})`);
    });
  }

  /** Closes the thread's connection, then the thread; by force if it does not answer in 5 s. */
  stop(): Promise<void> {
    // A thread that already ended (it failed, and SQLite's own checkpoints took over) has nothing to close.
    if (this.exited) return Promise.resolve();
    this.closing ??= new Promise<void>((resolve) => {
      // Held while it closes: with nothing else left to do, an unreferenced thread would let the
      // process end before its connection has closed (and an awaited close with it).
      this.worker.ref();
      const timeout = setTimeout(() => void this.worker.terminate().then(() => resolve()), 5_000);
      this.worker.once('exit', () => {
        clearTimeout(timeout);
        resolve();
      });
      this.worker.postMessage('stop');
    });
    return this.closing;
  }
}
