/**
 * A stand-in for resume-worker.ts that dies on request, so the pool's handling of a crashed
 * worker is tested: "memory" grows the heap past its limit, "throw" throws outside any handler;
 * anything else is read back as plain text.
 */
import { parentPort } from 'node:worker_threads';
import type { ReadReply, ReadRequest } from '../../bot/capture/resume-worker.ts';

parentPort!.postMessage({ ready: true } satisfies ReadReply);
parentPort!.on('message', (request: ReadRequest) => {
  const text = Buffer.from(request.bytes).toString('utf8');
  if (text === 'memory') {
    const hoard: number[][] = [];
    for (;;) hoard.push(new Array<number>(4_000_000).fill(hoard.length + 0.5));
  }
  if (text === 'throw') {
    setImmediate(() => {
      throw new Error('a file made the reader throw');
    });
    return;
  }
  const reply: ReadReply = {
    id: request.id,
    ok: true,
    resume: { text, emails: [], phones: [], links: [], skills: [], history: [], education: [] },
  };
  parentPort!.postMessage(reply);
});
