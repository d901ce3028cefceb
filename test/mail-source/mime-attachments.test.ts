import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { AppError } from '../../bot/errors/app-error.ts';
import {
  MAX_MIME_ATTACHMENTS,
  MimeTooLarge,
  MimeUnreadable,
  spoolMimeAttachments,
} from '../../bot/mail-source/mime-attachments.ts';
import { messageMime } from '../../bot/sandbox/graph-responses.ts';
import type { SandboxMessage } from '../../bot/sandbox/mailbox-model.ts';

const MB = 1024 * 1024;

/** A MIME message of `parts` (each a full part: headers, blank line, body), CRLF throughout. */
function mime(...parts: string[]): Readable {
  const boundary = 'b1';
  const body = parts.map((p) => `--${boundary}\r\n${p}\r\n`).join('');
  return Readable.from([
    Buffer.from(
      `From: a@example.com\r\nSubject: x\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="${boundary}"\r\n\r\n${body}--${boundary}--\r\n`,
    ),
  ]);
}

const file = (headers: string, bytes: string) =>
  `${headers}\r\nContent-Transfer-Encoding: base64\r\n\r\n${Buffer.from(bytes).toString('base64')}`;

describe("a message's attachments from its MIME", () => {
  it('spools each file, decoded, under its decoded name, and skips the message’s own text', async () => {
    const spooled = await spoolMimeAttachments(
      mime(
        'Content-Type: text/html; charset=utf-8\r\n\r\n<p>Hello</p>',
        file(
          'Content-Type: application/pdf; name="cv.pdf"\r\nContent-Disposition: attachment; filename="cv.pdf"',
          '%PDF cv',
        ),
        // RFC 2231, as most mailers write a name outside ASCII.
        file(
          "Content-Type: application/pdf\r\nContent-Disposition: attachment; filename*=utf-8''%D1%80%D0%B5%D0%B7%D1%8E%D0%BC%D0%B5.pdf",
          '%PDF ru',
        ),
        // RFC 2047 inside quotes, as Exchange writes it.
        file(
          `Content-Type: application/pdf; name="=?utf-8?B?${Buffer.from('履歴書.pdf').toString('base64')}?="\r\nContent-Disposition: attachment; filename="=?utf-8?B?${Buffer.from('履歴書.pdf').toString('base64')}?="`,
          '%PDF ja',
        ),
        'Content-Type: message/rfc822\r\nContent-Disposition: attachment\r\n\r\nFrom: c@example.com\r\nSubject: Feedback\r\n\r\nStrong.',
        // A name that tries to break out of its header, and a picture in the signature.
        file(
          'Content-Type: image/png; name="lo\tgo.png"\r\nContent-Disposition: inline; filename="lo\tgo.png"\r\nContent-ID: <logo>',
          'PNG',
        ),
      ),
      { maxBytes: MB, maxMimeBytes: 2 * MB },
    );
    try {
      assert.deepEqual(
        spooled.included.map((a) => [a.name, a.contentType, a.kind, a.size]),
        [
          ['cv.pdf', 'application/pdf', 'file', 7],
          ['резюме.pdf', 'application/pdf', 'file', 7],
          ['履歴書.pdf', 'application/pdf', 'file', 7],
          ['attached email.eml', 'message/rfc822', 'item', 49],
          ['lo go.png', 'image/png', 'file', 3],
        ],
      );
      assert.equal(await text(spooled.included[0]!.open()), '%PDF cv');
      assert.equal(await text(spooled.included[0]!.open()), '%PDF cv', 'opened again for a retried upload');
      assert.match(await text(spooled.included[3]!.open()), /Subject: Feedback[\s\S]*Strong\./);
      assert.deepEqual(spooled.leftOut, []);
    } finally {
      await spooled.release();
    }
  });

  it('keeps files in order while they fit the limit in all, and names the rest with their sizes', async () => {
    const spooled = await spoolMimeAttachments(
      mime(
        file(
          'Content-Type: application/pdf\r\nContent-Disposition: attachment; filename="a.pdf"',
          'a'.repeat(600),
        ),
        file(
          'Content-Type: video/mp4\r\nContent-Disposition: attachment; filename="big.mp4"',
          'v'.repeat(2_000),
        ),
        file(
          'Content-Type: application/pdf\r\nContent-Disposition: attachment; filename="b.pdf"',
          'b'.repeat(300),
        ),
      ),
      { maxBytes: 1_000, maxMimeBytes: MB },
    );
    try {
      assert.deepEqual(
        spooled.included.map((a) => a.name),
        ['a.pdf', 'b.pdf'],
      );
      assert.deepEqual(spooled.leftOut, [{ name: 'big.mp4', size: 2_000, reason: 'size' }]);
      assert.equal((await text(spooled.included[1]!.open())).length, 300);
    } finally {
      await spooled.release();
    }
  });

  it('decodes base64 however its lines are cut and whatever stray bytes it carries', async () => {
    const { randomBytes } = await import('node:crypto');
    const original = randomBytes(200_003);
    const encoded = original.toString('base64');
    // Lines of 73 characters (not a multiple of 4), a stray space and tab, bare LF line ends.
    const lines = encoded.match(/.{1,73}/g)!.map((line, i) => (i === 5 ? ` ${line}\t` : line));
    const source = `From: a@example.com\nContent-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: application/pdf\nContent-Disposition: attachment; filename="x.pdf"\nContent-Transfer-Encoding: base64\n\n${lines.join('\n')}\n--b--\n`;
    // Delivered in pieces of odd sizes, so quanta straddle them.
    const bytes = Buffer.from(source);
    const pieces: Buffer[] = [];
    for (let at = 0, size = 1; at < bytes.length; at += size, size = (size * 7 + 3) % 4099 || 1)
      pieces.push(bytes.subarray(at, at + size));
    const spooled = await spoolMimeAttachments(Readable.from(pieces), { maxBytes: MB, maxMimeBytes: MB });
    try {
      const { buffer } = await import('node:stream/consumers');
      assert.ok((await buffer(spooled.included[0]!.open())).equals(original));
    } finally {
      await spooled.release();
    }
  });

  it('removes its spool when released', async () => {
    const spooled = await spoolMimeAttachments(
      mime(file('Content-Type: text/plain\r\nContent-Disposition: attachment; filename="n.txt"', 'note')),
      { maxBytes: MB, maxMimeBytes: MB },
    );
    const path = (spooled.included[0]!.open() as unknown as { path: string }).path;
    assert.ok(existsSync(path));
    await spooled.release();
    await spooled.release();
    assert.ok(!existsSync(dirname(path)));
  });

  it('removes a spool a stopped process left, once it is an hour old, and no other', async () => {
    const { mkdtempSync, utimesSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const stale = mkdtempSync(join(tmpdir(), 'crm-sync-mime-'));
    const fresh = mkdtempSync(join(tmpdir(), 'crm-sync-mime-'));
    const old = new Date(Date.now() - 2 * 60 * 60 * 1000);
    utimesSync(stale, old, old);
    try {
      // What the first spool of each process starts in the background.
      const { sweepStaleSpools } = await import('../../bot/mail-source/mime-attachments.ts');
      await sweepStaleSpools(tmpdir());
      assert.ok(!existsSync(stale));
      assert.ok(existsSync(fresh));
    } finally {
      rmSync(fresh, { recursive: true, force: true });
      rmSync(stale, { recursive: true, force: true });
    }
  });

  it('stops at the MIME size cap, so a message with files over the limit is listed instead', async () => {
    await assert.rejects(
      spoolMimeAttachments(
        mime(
          file(
            'Content-Type: video/mp4\r\nContent-Disposition: attachment; filename="v.mp4"',
            'v'.repeat(200_000),
          ),
        ),
        { maxBytes: 1_000, maxMimeBytes: 100_000 },
      ),
      (error) => error instanceof MimeTooLarge,
    );
  });

  it('refuses hostile MIME with a clear error (the list serves instead): headers past their cap, parts nested too deep', async () => {
    const unreadable = (error: unknown) =>
      error instanceof MimeUnreadable && /MIME could not be read|nested past/.test((error as Error).message);
    await assert.rejects(
      spoolMimeAttachments(
        mime(
          `Content-Type: application/pdf\r\nX-Junk: ${'j'.repeat(300_000)}\r\nContent-Disposition: attachment; filename="x.pdf"\r\n\r\nAAAA`,
        ),
        { maxBytes: MB, maxMimeBytes: MB },
      ),
      unreadable,
    );
    // Each open level is checked on every line: nesting is capped, so a line costs a bounded check.
    let nested =
      'Content-Type: application/pdf\r\nContent-Disposition: attachment; filename="deep.pdf"\r\n\r\nAAAA';
    for (let level = 40; level > 0; level--)
      nested = `Content-Type: multipart/mixed; boundary="n${level}"\r\n\r\n--n${level}\r\n${nested}\r\n--n${level}--`;
    await assert.rejects(spoolMimeAttachments(mime(nested), { maxBytes: MB, maxMimeBytes: MB }), unreadable);
  });

  it('stops at once when the spool cannot write (a full disk): an outage, the spool removed', async () => {
    const { readdirSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { Writable } = await import('node:stream');
    const spools = () => readdirSync(tmpdir()).filter((n) => n.startsWith('crm-sync-mime-'));
    const before = new Set(spools());
    // Every write fails, as it does with ENOSPC.
    const full = () =>
      new Writable({
        write(_chunk, _encoding, callback) {
          callback(Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }));
        },
      });
    const head =
      'From: a@example.com\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="x.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n';
    // Many small pieces, as a download arrives: the splitter must stop, not wait on the spool.
    const pieces = [
      Buffer.from(head),
      ...Array.from({ length: 200 }, () => Buffer.from(`${'QUJD'.repeat(19)}\r\n`.repeat(20))),
    ];
    await assert.rejects(
      spoolMimeAttachments(Readable.from(pieces), { maxBytes: MB, maxMimeBytes: MB, spoolFile: full }),
      (error) => AppError.is(error, 'store.unavailable') && /no space/.test((error as Error).message),
    );
    assert.deepEqual(
      spools().filter((n) => !before.has(n)),
      [],
      'no spool left behind',
    );
  });

  it('names the files past the most one message may hand on, without spooling them', async () => {
    const parts = Array.from({ length: MAX_MIME_ATTACHMENTS + 3 }, (_, i) =>
      file(`Content-Type: text/plain\r\nContent-Disposition: attachment; filename="f${i}.txt"`, 'x'),
    );
    const spooled = await spoolMimeAttachments(mime(...parts), { maxBytes: MB, maxMimeBytes: MB });
    try {
      assert.equal(spooled.included.length, MAX_MIME_ATTACHMENTS);
      assert.deepEqual(
        spooled.leftOut.map((a) => [a.name, a.reason]),
        [
          ['f250.txt', 'count'],
          ['f251.txt', 'count'],
          ['f252.txt', 'count'],
        ],
      );
    } finally {
      await spooled.release();
    }
  });

  it('reads a download that breaks off as an outage (tried again later), not as a bad message', async () => {
    const broken = new Readable({
      read() {
        this.push(
          Buffer.from('From: a@example.com\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'),
        );
        this.destroy(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
      },
    });
    await assert.rejects(spoolMimeAttachments(broken, { maxBytes: MB, maxMimeBytes: MB }), (error) =>
      AppError.is(error, 'mail.unavailable'),
    );
  });

  it("reads the sandbox's MIME of a message: streamed files of megabytes, names outside ASCII", async () => {
    const message = {
      immutableId: 'm1',
      seq: 7,
      graph: {
        subject: 'Résumé',
        from: { emailAddress: { name: 'Ava "the" Candidate', address: 'ava@example.com' } },
        toRecipients: [{ emailAddress: { address: 'riley@agency.example' } }],
        body: { contentType: 'html', content: '<p>see attached</p>' },
        receivedDateTime: '2026-01-02T03:04:05Z',
      },
      attachments: [
        {
          id: 'a1',
          name: 'Ava CV (final).pdf',
          contentType: 'application/pdf',
          size: 3 * MB + 17,
          isInline: false,
          lastModifiedDateTime: '',
        },
        {
          id: 'a2',
          name: 'фото.jpg',
          contentType: 'image/jpeg',
          size: 20_000,
          isInline: true,
          lastModifiedDateTime: '',
        },
        {
          id: 'a3',
          name: 'On OneDrive',
          contentType: 'application/octet-stream',
          size: 0,
          isInline: false,
          lastModifiedDateTime: '',
          kind: 'reference',
        },
      ],
    } as unknown as SandboxMessage;
    const spooled = await spoolMimeAttachments(messageMime(message)(), {
      maxBytes: 25 * MB,
      maxMimeBytes: 43 * MB,
    });
    try {
      assert.deepEqual(
        spooled.included.map((a) => [a.name, a.size]),
        [
          ['Ava CV (final).pdf', 3 * MB + 17],
          ['фото.jpg', 20_000],
        ],
      );
      assert.match((await text(spooled.included[0]!.open())).slice(0, 8), /^%PDF-1\.4/);
    } finally {
      await spooled.release();
    }
  });
});
