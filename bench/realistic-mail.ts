import type { MailboxModel, NewMessage } from '../bot/sandbox/mailbox-model.ts';
import { BENCH_USER, rng } from './generate.ts';

/**
 * Recruiters' mail at production shape, deterministic from a seed and the message's index, for
 * the sandbox and the benchmarks: HTML bodies with a median around 25 KB and a tail to 500 KB
 * (a short message over a quoted thread, a signature whose logo is an inline image), one email in
 * ten with attachments (PDF and DOCX resumes of 50 KB to 5 MB, photos), and the address mix of
 * an agency's mailbox: candidates, client contacts, colleagues, newsletters, strangers.
 *
 * Nothing big is kept: a message's body is made from its index each time the sandbox serves it,
 * and an attachment's bytes are made as they are read (the sandbox streams generated files).
 */

export const REALISTIC_SEED = 2026;
/** Median of a body's size: recruiters' HTML mail (quoted threads, signatures, disclaimers). */
const BODY_MEDIAN_BYTES = 25 * 1024;
/** Spread of body sizes (log-normal sigma): p99 about 250 KB, the longest threads clipped at 500 KB. */
const BODY_SIGMA = 1;
const BODY_MIN_BYTES = 2 * 1024;
const BODY_MAX_BYTES = 500 * 1024;
const ATTACHMENT_SHARE = 0.1;
const RESUME_MIN_BYTES = 50 * 1024;
const RESUME_MAX_BYTES = 5 * 1024 * 1024;
/** Emails whose signature carries the sender's logo, an inline attachment (`cid:`). */
const SIGNATURE_LOGO_SHARE = 0.4;

const WORDS = (
  'thanks for the update on the role and the next steps with the client we would like to schedule ' +
  'a second interview next week please confirm your availability salary expectations notice period ' +
  'the hiring manager was impressed by the portfolio and references are being checked offer letter ' +
  'start date onboarding contract remote hybrid office relocation package benefits team lead senior ' +
  'engineer product designer account manager placement fee invoice timesheet shortlist sourcing'
).split(' ');

/** A standard normal draw (Box-Muller) from two uniform draws. */
function normal(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

function sentence(random: () => number, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(WORDS[Math.floor(random() * WORDS.length)]!);
  const text = out.join(' ');
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

/** A body's target size in bytes: log-normal around the median, clipped to [2 KB, 500 KB]. */
export function bodySize(random: () => number): number {
  const size = BODY_MEDIAN_BYTES * Math.exp(BODY_SIGMA * normal(random));
  return Math.round(Math.min(BODY_MAX_BYTES, Math.max(BODY_MIN_BYTES, size)));
}

/** The random stream of message `index`: the same draws whenever the message is made. */
function messageRandom(seed: number, index: number, salt: number): () => number {
  return rng((seed * 1_000_003 + index * 7919 + salt) | 0);
}

/** Paragraph pool: bodies are stitched from it, so making a 25 KB body costs a few joins. */
const PARAGRAPHS = (() => {
  const random = rng(REALISTIC_SEED);
  return Array.from(
    { length: 64 },
    () =>
      `<p style="font-family:Calibri,sans-serif;font-size:11pt;margin:0">${Array.from({ length: 3 + Math.floor(random() * 4) }, () => sentence(random, 8 + Math.floor(random() * 10))).join(' ')}</p>`,
  );
})();

export interface RealisticMessage {
  key: string;
  folder: 'inbox' | 'sentitems';
  spec: NewMessage;
}

export interface Correspondent {
  kind: 'candidate' | 'client' | 'internal' | 'newsletter' | 'stranger';
  name: string;
  address: string;
}

/**
 * Who an email is with: half candidates, a quarter client contacts (both from the CRM directory of
 * `records` that `directory()` makes, most of them known), the rest colleagues, newsletters and
 * strangers.
 */
export function correspondent(random: () => number, index: number, records: number): Correspondent {
  const roll = random();
  const r = Math.floor(random() * records);
  if (roll < 0.5) {
    // Candidates: most in the CRM; some write from an address it does not know yet.
    const candidate = r - (r % 5) + (r % 3);
    return random() < 0.85
      ? { kind: 'candidate', name: `Cand${candidate} Person`, address: `cand${candidate}@mail.example` }
      : { kind: 'candidate', name: `Applicant ${index}`, address: `applicant${index}@gmail.example` };
  }
  if (roll < 0.75) {
    const contact = r - (r % 5) + 3 + (r % 2);
    return {
      kind: 'client',
      name: `Con${contact} Person`,
      address: `con${contact}@company${contact % 200}.example`,
    };
  }
  if (roll < 0.87) {
    const colleague = Math.floor(random() * 40);
    return {
      kind: 'internal',
      name: `Colleague ${colleague}`,
      address: `colleague${colleague}@benchstaffing.com`,
    };
  }
  if (roll < 0.95) {
    const list = Math.floor(random() * 12);
    return { kind: 'newsletter', name: `Jobs Digest ${list}`, address: `news@digest${list}.example` };
  }
  return { kind: 'stranger', name: `Person ${index}`, address: `stranger${index}@elsewhere.example` };
}

/** The body of message `index`: the same HTML every time, about `bodySize` bytes. */
export function realisticBody(seed: number, index: number, withLogo: boolean): string {
  const random = messageRandom(seed, index, 1);
  const target = bodySize(random);
  const parts: string[] = [
    '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"><style>p{margin:0}</style></head><body>',
    `<div>${sentence(random, 12)} ${sentence(random, 18)}</div>`,
  ];
  const signature =
    '<table style="font-family:Calibri,sans-serif;font-size:9pt;color:#444"><tr>' +
    (withLogo ? '<td><img src="cid:image001.png@01DA0000.00000000" width="120" height="40"></td>' : '') +
    `<td><b>Bench Recruiter</b><br>Bench Staffing | +1 555 0100<br>${sentence(random, 30)}</td></tr></table>`;
  parts.push(signature);
  let size = parts[0]!.length + parts[1]!.length + signature.length + 20;
  let depth = 0;
  while (size < target) {
    const header = `<div style="border-left:2px solid #ccc;padding-left:8px;margin:8px 0"><p>On ${1 + (depth % 28)} Jun, someone wrote:</p>`;
    parts.push(header);
    size += header.length;
    for (let p = 0; p < 3 && size < target; p++) {
      const paragraph = PARAGRAPHS[Math.floor(random() * PARAGRAPHS.length)]!;
      parts.push(paragraph);
      size += paragraph.length;
    }
    parts.push('</div>');
    depth++;
  }
  parts.push('</body></html>');
  return parts.join('');
}

type AttachmentSpec = NonNullable<NewMessage['attachments']>[number];

/** Log-uniform between min and max: most resumes are small, a few are scans of megabytes. */
function logUniform(random: () => number, min: number, max: number): number {
  return Math.round(min * Math.exp(random() * Math.log(max / min)));
}

/** Message `index`'s attachments (no bytes: the sandbox makes them as they are read). */
export function realisticAttachments(seed: number, index: number, withLogo: boolean): AttachmentSpec[] {
  const random = messageRandom(seed, index, 2);
  const attachments: AttachmentSpec[] = [];
  if (withLogo)
    attachments.push({
      name: 'image001.png',
      contentType: 'image/png',
      size: 4_000 + Math.floor(random() * 16_000),
      isInline: true,
    });
  if (random() >= ATTACHMENT_SHARE) return attachments;
  const files = 1 + Math.floor(random() * random() * 3);
  for (let f = 0; f < files; f++) {
    const roll = random();
    if (roll < 0.55)
      attachments.push({
        name: `Resume_${index}_${f}.pdf`,
        contentType: 'application/pdf',
        size: logUniform(random, RESUME_MIN_BYTES, RESUME_MAX_BYTES),
        isInline: false,
      });
    else if (roll < 0.85)
      attachments.push({
        name: `CV_${index}_${f}.docx`,
        contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
        size: logUniform(random, RESUME_MIN_BYTES, RESUME_MAX_BYTES),
        isInline: false,
      });
    else
      attachments.push({
        name: `photo_${index}_${f}.jpg`,
        contentType: 'image/jpeg',
        size: logUniform(random, 80 * 1024, 3 * 1024 * 1024),
        isInline: false,
      });
  }
  return attachments;
}

/** Message `index` of the benchmark recruiter's mailbox (a quarter of it sent, the rest received). */
export function realisticMessage(seed: number, index: number, records: number): RealisticMessage {
  const random = messageRandom(seed, index, 0);
  const other = correspondent(random, index, records);
  const sent = index % 4 === 0 && other.kind !== 'newsletter';
  const me = { emailAddress: { name: BENCH_USER.displayName, address: BENCH_USER.mail } };
  const them = { emailAddress: { name: other.name, address: other.address } };
  const withLogo = !sent && other.kind !== 'newsletter' && random() < SIGNATURE_LOGO_SHARE;
  const cc =
    random() < 0.2
      ? [{ emailAddress: { name: 'Colleague', address: `colleague${index % 40}@benchstaffing.com` } }]
      : [];
  const subject =
    other.kind === 'newsletter'
      ? `This week's jobs digest #${index}`
      : `${random() < 0.6 ? 'Re: ' : ''}${sentence(random, 4 + Math.floor(random() * 5)).slice(0, -1)}`;
  return {
    key: `r${index}`,
    folder: sent ? 'sentitems' : 'inbox',
    spec: {
      subject,
      from: sent ? me : them,
      toRecipients: [sent ? them : me],
      ccRecipients: cc,
      receivedDateTime: new Date(Date.parse('2025-06-01T00:00:00Z') + index * 60_000).toISOString(),
      internetMessageId: `<real-${index}@bench.example>`,
      isRead: true,
      bodySource: () => ({ contentType: 'html', content: realisticBody(seed, index, withLogo) }),
      bodyPreview: subject.slice(0, 255),
      attachments: realisticAttachments(seed, index, withLogo),
    },
  };
}

/**
 * Adds the benchmark recruiter and `count` realistic messages to `model`, oldest first; what the
 * sandbox keeps per message is its headers, not its body or attachments' bytes.
 */
export function seedRealisticMailbox(
  model: MailboxModel,
  count: number,
  records: number,
  seed = REALISTIC_SEED,
): { attachments: number; emailsWithAttachments: number; attachmentBytes: number } {
  model.addUser({ ...BENCH_USER });
  const folders = {
    inbox: model.addFolder(BENCH_USER.id, { displayName: 'Inbox', wellKnownName: 'inbox' }).id,
    sentitems: model.addFolder(BENCH_USER.id, { displayName: 'Sent Items', wellKnownName: 'sentitems' }).id,
  };
  for (const [name, wellKnownName] of [
    ['Deleted Items', 'deleteditems'],
    ['Junk Email', 'junkemail'],
    ['Drafts', 'drafts'],
    ['Archive', 'archive'],
  ] as const)
    model.addFolder(BENCH_USER.id, { displayName: name, wellKnownName });
  const totals = { attachments: 0, emailsWithAttachments: 0, attachmentBytes: 0 };
  for (let i = 0; i < count; i++) {
    const { key, folder, spec } = realisticMessage(seed, i, records);
    const files = (spec.attachments ?? []).filter((a) => !a.isInline);
    if (files.length > 0) totals.emailsWithAttachments++;
    totals.attachments += files.length;
    for (const file of files) totals.attachmentBytes += file.size ?? 0;
    model.addMessage(BENCH_USER.id, folders[folder], spec, key);
  }
  return totals;
}
