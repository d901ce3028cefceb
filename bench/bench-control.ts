import type { ChildProcess } from 'node:child_process';

/** What the benchmark asks of the sandbox process over IPC (bench-sandbox.ts). */
export interface SandboxControl {
  id: number;
  /** Moves the clock of the mailbox budgets' windows on by this much. */
  advanceBudgetMs?: number;
  /** Every request to a mailbox takes this long from now on; 0 for none. */
  latencyMs?: number;
}

export interface SandboxControlAnswer {
  id: number;
  budgetSkewMs: number;
  /** Per app, requests to mailboxes admitted and refused with 429 so far. */
  budgetCounts: Record<string, { admitted: number; refused: number }>;
}

/**
 * The benchmark's side of the IPC channel: each call is answered by the reply carrying its own id,
 * and every call still waiting fails if the sandbox process exits.
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
  child.once('exit', (code) => {
    for (const call of waiting.values())
      call.reject(new Error(`the sandbox exited (${code}) before answering`));
    waiting.clear();
  });
  return (ask) =>
    new Promise((resolve, reject) => {
      const id = ++next;
      waiting.set(id, { resolve, reject });
      child.send({ ...ask, id } satisfies SandboxControl, (error) => {
        if (!error) return;
        waiting.delete(id);
        reject(error);
      });
    });
}
