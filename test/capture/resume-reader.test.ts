import assert from 'node:assert/strict';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createResumeReader } from '../../bot/capture/resume-reader.ts';
import type { ResumeFormat, ResumeReader } from '../../bot/capture/resume.port.ts';
import { defaultSkills } from '../../bot/capture/skills.ts';
import { AppError } from '../../bot/errors/app-error.ts';
import { resumeBytes } from './resume-fixtures.ts';

const options = { skills: defaultSkills(), defaultCountry: 'US' };

/** What each hostile file must be refused as. The text bomb is stopped by whichever limit it meets
 * first on this machine: its text passing the ceiling, or the time limit. */
const HOSTILE: Array<[string, ResumeFormat, readonly string[]]> = [
  ['deeply-nested.pdf', 'pdf', ['capture.unreadable']],
  ['huge-page-count.pdf', 'pdf', ['capture.too_large']],
  ['text-bomb.pdf', 'pdf', ['capture.too_large', 'capture.timeout']],
  ['scanned-image.pdf', 'pdf', ['capture.unreadable']],
  ['encrypted.pdf', 'pdf', ['capture.unreadable']],
  ['zip-bomb.docx', 'docx', ['capture.too_large']],
];

describe('resume reader (worker threads)', function () {
  this.timeout(60_000);
  let reader: ResumeReader;
  let server: Server;
  let port: number;
  before(async () => {
    reader = createResumeReader();
    server = createServer((_, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    await reader.close();
    await new Promise((resolve) => server.close(resolve));
  });

  for (const [file, format, codes] of HOSTILE) {
    it(`refuses hostile ${file} as ${codes.join(' or ')} while the app keeps answering`, async () => {
      let answered = 0;
      let reading = true;
      const read = reader
        .read({ bytes: resumeBytes(`hostile/${file}`), format, name: file }, options)
        .finally(() => {
          reading = false;
        });
      // The main thread serves requests during the read: the parsing is elsewhere.
      while (reading && answered < 3) {
        const res = await fetch(`http://127.0.0.1:${port}/`);
        assert.equal(await res.text(), 'ok');
        answered++;
      }
      await assert.rejects(read, (e) => {
        assert.ok(e instanceof AppError, String(e));
        assert.ok(codes.includes(e.code), `${file}: ${e.code} ${e.message}`);
        return true;
      });
    });
  }

  it('refuses reads past its queue at once, and carries on reading', async () => {
    const busy = createResumeReader({ timeMs: 400 }, { poolSize: 1, maxWaiting: 1, maxWaitMs: 200 });
    try {
      const text = Buffer.from('Jordan Blake\njordan@example.org\n');
      // The worker started and warm: what follows measures waiting, not its start.
      assert.equal((await busy.read({ bytes: text, format: 'text' }, options)).name?.value, 'Jordan Blake');
      const bomb = () => busy.read({ bytes: resumeBytes('hostile/text-bomb.pdf'), format: 'pdf' }, options);
      const running = bomb(); // takes the one worker until its time limit
      const waiting = bomb(); // waits; by its turn it has waited longer than the limit
      await assert.rejects(bomb(), (e) => AppError.is(e, 'capture.busy') && /Try again/.test(e.message));
      await assert.rejects(running, (e) => AppError.is(e, 'capture.timeout'));
      // It waited behind the bomb and then for the worker put in its place: started late, or not at all.
      await assert.rejects(
        waiting,
        (e) => AppError.is(e, 'capture.busy') || AppError.is(e, 'capture.timeout'),
      );
      // And the reader still reads.
      assert.equal((await busy.read({ bytes: text, format: 'text' }, options)).name?.value, 'Jordan Blake');
    } finally {
      await busy.close();
    }
  });

  it('answers requests while a read runs into its time limit, then reads the next file', async () => {
    const slow = createResumeReader({ timeMs: 300 }, { poolSize: 1 });
    try {
      let ticks = 0;
      const timer = setInterval(() => ticks++, 10);
      await assert.rejects(
        slow.read({ bytes: resumeBytes('hostile/text-bomb.pdf'), format: 'pdf' }, options),
        {
          code: 'capture.timeout',
        },
      );
      clearInterval(timer);
      assert.ok(ticks > 0, 'the main thread ticked during the read');
      const next = await slow.read({ bytes: resumeBytes('04-mia-robinson.txt'), format: 'text' }, options);
      assert.equal(next.name?.value, 'Mia Robinson');
    } finally {
      await slow.close();
    }
  });

  it('reads a PDF that claims 100,000 pages but holds one as the one page it holds', async () => {
    const resume = await reader.read(
      { bytes: resumeBytes('hostile/false-page-count.pdf'), format: 'pdf' },
      options,
    );
    assert.equal(resume.pages, 1);
    assert.equal(resume.text, 'Jane Doe');
  });

  it('refuses an oversized file before parsing, naming the limit in MB', async () => {
    const big = Buffer.alloc(10 * 1024 * 1024 + 1, 0x41);
    await assert.rejects(reader.read({ bytes: big, format: 'pdf' }, options), {
      code: 'capture.too_large',
      message: 'This file is 10.0 MB; the limit is 10 MB.',
    });
  });

  it('refuses formats it does not read (Word 97, images) as unsupported', async () => {
    for (const format of ['doc', 'png']) {
      await assert.rejects(
        reader.read({ bytes: Buffer.from('x'), format: format as ResumeFormat }, options),
        {
          code: 'capture.unsupported',
        },
      );
    }
  });

  it('runs adversarial text (digits, dots, @, spaces) through every finder within the time limit', async () => {
    const units = [
      '1'.repeat(5000),
      '.'.repeat(5000),
      '@'.repeat(5000),
      ' '.repeat(5000),
      '1.1.1.1',
      'a@b.'.repeat(1200),
      '+1 (2'.repeat(1000),
      'www.'.repeat(1200),
      '<a<b'.repeat(1200),
    ];
    let text = '';
    for (let i = 0; text.length < 60_000; i++) text += units[i % units.length]!;
    for (const format of ['text', 'html'] as const) {
      const resume = await reader.read({ bytes: Buffer.from(text.slice(0, 60_000)), format }, options);
      assert.equal(resume.name, undefined);
    }
  });

  it('leaves the caller\u2019s buffer as it was (the worker gets its own copy)', async () => {
    const bytes = resumeBytes('04-mia-robinson.txt');
    const before = Buffer.from(bytes);
    await reader.read({ bytes, format: 'text' }, options);
    assert.equal(bytes.byteLength, before.byteLength);
    assert.ok(bytes.equals(before));
  });

  for (const crash of ['memory', 'throw']) {
    it(`fails a read whose worker dies (${crash}) as unreadable, with the reason, and carries on`, async () => {
      const crashing = createResumeReader(
        // Time enough for the heap to fill: this test is about the crash, not the clock.
        { maxBytes: 1024 * 1024, timeMs: 30_000 },
        { poolSize: 1, workerUrl: new URL('./crashing-resume-worker.ts', import.meta.url) },
      );
      try {
        await assert.rejects(
          crashing.read({ bytes: Buffer.from(crash), format: 'text' }, options),
          (e: AppError) => {
            assert.equal(e.code, 'capture.unreadable');
            assert.match(e.message, crash === 'memory' ? /memory/i : /a file made the reader throw/);
            return true;
          },
        );
        const next = await crashing.read({ bytes: Buffer.from('fine'), format: 'text' }, options);
        assert.equal(next.text, 'fine');
      } finally {
        await crashing.close();
      }
    });
  }

  it('refuses reads once closed', async () => {
    const closing = createResumeReader();
    await closing.close();
    await assert.rejects(closing.read({ bytes: Buffer.from('x'), format: 'text' }, options), {
      code: 'internal',
    });
  });
});
