import type { ChildProcess } from 'node:child_process';

/** What the benchmark asks of the sandbox process over IPC (bench-sandbox.ts). */
export interface SandboxControl {
  id: number;
  /** Moves the clock of the mailbox budgets' windows on by this much. */
  advanceBudgetMs?: number;
  /** Every request takes this long from now on (every route but `$batch` itself); 0 for none. */
  latencyMs?: number;
}

export interface SandboxControlAnswer {
  id: number;
  budgetSkewMs: number;
  /** Per app, requests to mailboxes admitted and refused with 429 so far. */
  budgetCounts: Record<string, { admitted: number; refused: number }>;
}

/** A call the sandbox has not answered in this long has failed (it answers at once). */
const ANSWER_TIMEOUT_MS = 30_000;

/**
 * The benchmark's side of the IPC channel: each call is answered by the reply carrying its own id;
 * every call still waiting fails if the sandbox process exits or the channel closes, and a call
 * made after that fails at once.
 */
export function sandboxControl(
  child: ChildProcess,
): (ask: Omit<SandboxControl, 'id'>) => Promise<SandboxControlAnswer> {
  let next = 0;
  const waiting = new Map<
    number,
    { resolve: (a: SandboxControlAnswer) => void; reject: (e: Error) => void }
  >();
  child.on('message', (answer: SandboxControlAnswer) => {
    waiting.get(answer.id)?.resolve(answer);
    waiting.delete(answer.id);
  });
  let closed: string | undefined;
  const close = (why: string) => {
    closed ??= why;
    for (const call of waiting.values()) call.reject(new Error(`${closed} before answering`));
    waiting.clear();
  };
  child.once('exit', (code) => close(`the sandbox exited (${code})`));
  child.once('disconnect', () => close('the sandbox closed its channel'));
  return (ask) =>
    new Promise((resolve, reject) => {
      if (closed || !child.connected) {
        reject(new Error(closed ?? 'the sandbox has no channel'));
        return;
      }
      const id = ++next;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error(`the sandbox did not answer within ${ANSWER_TIMEOUT_MS} ms`));
      }, ANSWER_TIMEOUT_MS);
      const settle = (): void => {
        clearTimeout(timer);
        waiting.delete(id);
      };
      waiting.set(id, {
        resolve: (answer) => {
          settle();
          resolve(answer);
        },
        reject: (error) => {
          settle();
          reject(error);
        },
      });
      child.send({ ...ask, id } satisfies SandboxControl, (error) => {
        if (error) waiting.get(id)?.reject(error);
      });
    });
}
