import type { Readable } from 'node:stream';
import { visibleTo } from '../crm/builtin-crm.ts';
import type { CandidateProfile, CaptureInput, CrmConnector, CrmRecord } from '../crm/crm.port.ts';
import { AppError } from '../errors/app-error.ts';
import type { Logger } from '../logging/logger.ts';
import type { MailMessage, MailSource } from '../mail-source/mail-source.port.ts';
import type { SyncEvents } from '../sync/sync-events.ts';
import type { CaptureDoc, CaptureRepository, CaptureShare, CaptureSource } from './capture-store.ts';
import type { ParsedResume, ResumeFormat, ResumeReader } from './resume.port.ts';

/**
 * CaptureME (the seeds' section 7.5): a resume in an email becomes a candidate.
 *
 * - Process Now: the user picks the resume (an attachment or the body), reads the profile the
 *   reader found, corrects it, and creates the candidate, or updates the one it duplicates.
 * - Process Later: the choice is saved on the email; the next sync of the email, by any path,
 *   makes the candidate (`settle`), once. Clear Settings removes the choice.
 *
 * Either way the email lands as one activity on the candidate (the usual key), through the sync.
 */

export interface CaptureUser {
  tenantId: string;
  userId: string;
}

/** A resume the email offers: its body, or one of its file attachments. */
export interface CaptureSourceView {
  /** `body`, or `att:` and the attachment's id. */
  ref: string;
  kind: 'body' | 'attachment';
  name: string;
  contentType: string;
  size: number;
  /** Why it cannot be read, when it cannot (its format, its size); absent when it can. */
  refused?: string;
}

export interface CaptureStateView {
  state: 'pending' | 'done' | 'error';
  source: CaptureSource;
  share: CaptureShare;
  at: string;
  candidate?: { id: string; name: string; created: boolean };
  error?: string;
}

/** A candidate the resume may already be: by one of its addresses, or by name and phone. */
export interface DuplicateView {
  record: CrmRecord;
  reason: 'address' | 'name and phone';
}

export interface CaptureReadView {
  source: CaptureSourceView;
  resume: ParsedResume;
  /** The resume's fields as the form starts: the user corrects them before anything is written. */
  draft: CandidateProfile;
  /** Candidates the caller may see that the resume may be: offered for update. */
  duplicates: DuplicateView[];
  /**
   * Another recruiter holds a candidate with one of the addresses privately: it is neither named
   * nor offered, and a candidate with that address cannot be made again.
   */
  heldPrivately: boolean;
}

export interface CaptureServiceDeps {
  mailSource: MailSource;
  reader: ResumeReader;
  crm: CrmConnector;
  captures: CaptureRepository;
  /** The organization's skills list (admin-editable; the repository's list until edited). */
  skills(tenantId: string): Promise<readonly string[]>;
  /** Puts the email in the CRM as one activity linked to the candidate (a Sync Selected with the pick). */
  linkEmail(user: CaptureUser, messageId: string, candidateId: string): Promise<void>;
  /** ISO country assumed for a phone number without a country code, when the resume names none. */
  defaultCountry?: string;
  /** Where Process Later's results go (the notifier tells the user). */
  events?: SyncEvents;
  logger: Logger;
  now?: () => Date;
}

const BODY_REF = 'body';
export const HELD_PRIVATELY =
  'Another recruiter holds a candidate with this address privately, so it cannot be captured again.';
const ATTACHMENT_REF = 'att:';

export class CaptureService {
  private readonly deps: CaptureServiceDeps;
  private readonly now: () => Date;

  constructor(deps: CaptureServiceDeps) {
    this.deps = deps;
    this.now = deps.now ?? (() => new Date());
  }

  /** The resumes an email offers, and what CaptureME did or will do with it. */
  async sources(
    user: CaptureUser,
    messageId: string,
  ): Promise<{
    messageId: string;
    subject: string;
    sources: CaptureSourceView[];
    state: CaptureStateView | null;
  }> {
    const message = await this.deps.mailSource.message(user.userId, messageId, 'headers');
    const [sources, doc] = await Promise.all([
      this.sourceList(user, message.id, message.hasAttachments),
      this.deps.captures.get(user.tenantId, user.userId, message.id),
    ]);
    return { messageId: message.id, subject: message.subject, sources, state: doc ? stateView(doc) : null };
  }

  /** Process Now's first step: the resume read, the form's starting values and any duplicates. */
  async read(user: CaptureUser, messageId: string, ref: string): Promise<CaptureReadView> {
    const { source, bytes, format } = await this.open(user, messageId, ref);
    return { source, ...(await this.readResume(user, { bytes, format, name: source.name })) };
  }

  /**
   * A resume from elsewhere (a file shared in Teams, a message's text): the profile read, the
   * form's starting values and any duplicates. Refused (`capture.*`) as an email's would be.
   */
  async readResume(
    user: CaptureUser,
    file: { bytes: Buffer; format: ResumeFormat; name: string },
  ): Promise<Omit<CaptureReadView, 'source'>> {
    if (file.bytes.length > this.deps.reader.limits.maxBytes)
      throw new AppError('capture.too_large', tooLarge(file.name, this.deps.reader.limits.maxBytes));
    const resume = await this.parse(user.tenantId, file.bytes, file.format, file.name);
    const draft = draftOf(resume);
    return { resume, draft, ...(await this.duplicates(user, draft)) };
  }

  /**
   * The candidate from a profile the user confirmed, from a resume that is not an email's (a Teams
   * message's file): made, or `updateId` updated; the caller links the message.
   */
  async captureFrom(input: CaptureInput) {
    await this.mayUpdate(input);
    const result = await this.deps.crm.captureCandidate(input);
    return { ...result, link: this.deps.crm.deepLink(result.record) };
  }

  /**
   * An update is of a candidate this profile duplicates and the caller may see, checked here on
   * the profile sent: an id from anywhere else (another recruiter's private candidate, any record
   * at all) is refused, and nothing is written.
   */
  private async mayUpdate(input: CaptureInput): Promise<void> {
    if (!input.updateId) return;
    const { duplicates } = await this.duplicates(input, input.profile);
    if (!duplicates.some((d) => d.record.id === input.updateId))
      throw new AppError(
        'input.invalid',
        'You can update only a candidate this resume duplicates (one of its addresses, or its name and phone).',
      );
  }

  /**
   * Process Now's last step: the candidate from the profile the user confirmed (or `updateId`
   * updated), the resume file stored with it, and the email as its activity.
   */
  async create(
    user: CaptureUser,
    messageId: string,
    request: { ref: string; share: CaptureShare; profile: CandidateProfile; updateId?: string },
  ): Promise<{ record: CrmRecord; created: boolean; link: string }> {
    const { source, bytes, id, message } = await this.open(user, messageId, request.ref);
    const result = await this.captureFrom({
      tenantId: user.tenantId,
      userId: user.userId,
      captureKey: captureKey(user, id, request.ref),
      profile: request.profile,
      share: request.share,
      ...(request.updateId ? { updateId: request.updateId } : {}),
      ...(source.kind === 'attachment'
        ? { resume: { name: source.name, contentType: source.contentType, bytes } }
        : {}),
    });
    // The email on the candidate first: should that fail, nothing says "captured", and Process Now
    // again finishes it (the candidate is not made twice).
    await this.deps.linkEmail(user, id, result.record.id);
    await this.done(
      user,
      id,
      toSource(source),
      request.share,
      result.record,
      result.created,
      emailFacts(message),
    );
    return result;
  }

  /** Process Later: the choice saved on the email, for its next sync. */
  async later(
    user: CaptureUser,
    messageId: string,
    request: { ref: string; share: CaptureShare },
  ): Promise<CaptureStateView> {
    const message = await this.deps.mailSource.message(user.userId, messageId, 'headers');
    const source = await this.sourceOf(user, message.id, message.hasAttachments, request.ref);
    if (source.refused) throw new AppError('input.invalid', source.refused);
    const current = await this.deps.captures.get(user.tenantId, user.userId, message.id);
    if (current?.kind === 'capture:done')
      throw new AppError(
        'input.invalid',
        `This email already made ${current.candidateName ?? 'a candidate'}; nothing is saved for later.`,
      );
    const doc = await this.deps.captures.save(
      user.tenantId,
      user.userId,
      {
        kind: 'capture:pending',
        messageId: message.id,
        source: toSource(source),
        share: request.share,
        savedAt: this.now().toISOString(),
        ...emailFacts(message),
      },
      this.now(),
    );
    return stateView(doc);
  }

  /** Clear Settings: the pending choice removed; false when there was none. */
  async clear(user: CaptureUser, messageId: string): Promise<boolean> {
    const message = await this.deps.mailSource.message(user.userId, messageId, 'headers');
    return this.deps.captures.clear(user.tenantId, user.userId, message.id);
  }

  /** A resume file's bytes from a stream (a Teams message's file), read no further than the size limit. */
  readFile(stream: Readable, name: string): Promise<Buffer> {
    return readBounded(stream, this.deps.reader.limits.maxBytes, name);
  }

  /** Every capture of the user, newest first (the Emails view's "Captured"). */
  list(user: CaptureUser): Promise<CaptureDoc[]> {
    return this.deps.captures.all(user.tenantId, user.userId);
  }

  /**
   * Retry of a capture that failed at sync: its choice is pending again, for the sync the caller
   * runs next. Refused for one that did not fail (nothing to retry).
   */
  async requeue(user: CaptureUser, messageId: string): Promise<void> {
    const doc = await this.deps.captures.get(user.tenantId, user.userId, messageId);
    if (doc?.kind !== 'capture:error')
      throw new AppError('input.invalid', 'There is no failed capture on this email to retry.');
    const { error: _error, ...rest } = withoutKeys(doc);
    await this.deps.captures.save(
      user.tenantId,
      user.userId,
      { ...rest, kind: 'capture:pending' },
      this.now(),
    );
  }

  /** The user's choices waiting for a sync (the sync asks once per run). */
  pending(user: CaptureUser): Promise<CaptureDoc[]> {
    return this.deps.captures.pending(user.tenantId, user.userId);
  }

  /**
   * Process Later at sync: the saved choice becomes a candidate, and the candidate's id is what the
   * email is to be linked to. A candidate that already has one of the addresses gets the email, and
   * nothing else (no one confirmed an update); a likely duplicate by name and phone, a resume without
   * a name or one the reader refuses is an error with its reason, and nothing is made. Done again
   * (a crash after the candidate was made), it makes nothing twice: the CRM knows the capture.
   */
  async settle(user: CaptureUser, doc: CaptureDoc): Promise<string | undefined> {
    const ref = doc.source.kind === 'body' ? BODY_REF : `${ATTACHMENT_REF}${doc.source.id}`;
    try {
      const { source, bytes, format } = await this.open(user, doc.messageId, ref);
      const resume = await this.parse(user.tenantId, bytes, format, source.name);
      const draft = draftOf(resume);
      if (!draft.name)
        throw new AppError('capture.unreadable', 'No name found in the resume: capture it with Process Now.');
      const key = captureKey(user, doc.messageId, ref);
      const { duplicates, heldPrivately } = await this.duplicates(user, draft);
      if (heldPrivately) throw new AppError('input.invalid', HELD_PRIVATELY);
      const [duplicate] = duplicates;
      if (duplicate?.reason === 'name and phone')
        throw new AppError(
          'input.invalid',
          `${duplicate.record.name} may be this candidate already (same name and phone): capture it with Process Now to choose.`,
        );
      let record = duplicate?.record;
      let created = false;
      if (!record) {
        const made = await this.deps.crm
          .captureCandidate({
            tenantId: user.tenantId,
            userId: user.userId,
            captureKey: key,
            profile: draft,
            share: doc.share,
            ...(source.kind === 'attachment'
              ? { resume: { name: source.name, contentType: source.contentType, bytes } }
              : {}),
          })
          .catch(async (error: unknown) => {
            // Made by a capture that stopped before it was marked done: that candidate is this one.
            const existingId = AppError.is(error, 'input.invalid') ? error.context.existingId : undefined;
            const existing =
              typeof existingId === 'string' && (await this.deps.crm.record(user.tenantId, existingId));
            if (existing) return { record: existing, created: false };
            throw error;
          });
        record = made.record;
        created = made.created;
      }
      await this.done(user, doc.messageId, doc.source, doc.share, record, created, emailFacts(doc));
      this.deps.events?.emit('captured', {
        ...user,
        messageId: doc.messageId,
        candidate: { id: record.id, name: record.name, created },
      });
      return record.id;
    } catch (error) {
      // The reader is busy with other resumes: the choice stays pending for the next sync.
      if (AppError.is(error, 'capture.busy')) {
        this.deps.logger.info(
          { messageId: doc.messageId },
          'capture left for the next sync: the reader is busy',
        );
        return undefined;
      }
      if (!capturable(error)) throw error;
      const reason = AppError.is(error, 'mail.not_found')
        ? 'The email or its resume is no longer in the mailbox.'
        : (error as Error).message;
      this.deps.logger.warn({ err: { code: (error as AppError).code, message: reason } }, 'capture failed');
      await this.deps.captures.save(
        user.tenantId,
        user.userId,
        { ...withoutKeys(doc), kind: 'capture:error', error: reason },
        this.now(),
      );
      this.deps.events?.emit('captured', { ...user, messageId: doc.messageId, error: reason });
      return undefined;
    }
  }

  private async done(
    user: CaptureUser,
    messageId: string,
    source: CaptureSource,
    share: CaptureShare,
    record: CrmRecord,
    created: boolean,
    facts: Pick<CaptureDoc, 'from' | 'receivedAt'>,
  ): Promise<void> {
    await this.deps.captures.save(
      user.tenantId,
      user.userId,
      {
        kind: 'capture:done',
        messageId,
        source,
        share,
        savedAt: this.now().toISOString(),
        candidateId: record.id,
        candidateName: record.name,
        created,
        ...facts,
      },
      this.now(),
    );
  }

  private async parse(tenantId: string, bytes: Buffer, format: ResumeFormat, name: string) {
    const skills = await this.deps.skills(tenantId);
    return this.deps.reader.read(
      { bytes, format, name },
      { skills, ...(this.deps.defaultCountry ? { defaultCountry: this.deps.defaultCountry } : {}) },
    );
  }

  /**
   * Candidates the profile may already be: any of its addresses, or the same name and phone number;
   * only those the user may see (another recruiter's private candidate is not named, only said).
   */
  private async duplicates(
    user: CaptureUser,
    draft: CandidateProfile,
  ): Promise<{ duplicates: DuplicateView[]; heldPrivately: boolean }> {
    const found: DuplicateView[] = [];
    let heldPrivately = false;
    const directory = await this.deps.crm.directory(user.tenantId);
    for (const match of directory.lookup(draft.emails).candidates) {
      if (!visibleTo(match.record, user.userId)) heldPrivately = true;
      else if (!found.some((d) => d.record.id === match.record.id))
        found.push({ record: match.record, reason: 'address' });
    }
    const phone = phoneDigits(draft.phone);
    if (draft.name && phone) {
      const named = await this.deps.crm.search(user.tenantId, draft.name, 50, user.userId);
      for (const record of named) {
        if (record.type !== 'candidate' || found.some((d) => d.record.id === record.id)) continue;
        if (record.name.trim().toLowerCase() !== draft.name.trim().toLowerCase()) continue;
        if ([record.phone, record.mobile].some((p) => phoneDigits(p) === phone))
          found.push({ record, reason: 'name and phone' });
      }
    }
    return { duplicates: found, heldPrivately };
  }

  private async sourceList(user: CaptureUser, messageId: string, hasAttachments: boolean) {
    const body: CaptureSourceView = {
      ref: BODY_REF,
      kind: 'body',
      name: 'The email’s body',
      contentType: 'text/html',
      size: 0,
    };
    if (!hasAttachments) return [body];
    const { included, leftOut } = await this.deps.mailSource.attachments(
      user.userId,
      messageId,
      Number.MAX_SAFE_INTEGER,
    );
    const max = this.deps.reader.limits.maxBytes;
    const files: CaptureSourceView[] = included
      .filter((a) => a.kind === 'file' && !a.contentType.toLowerCase().startsWith('image/'))
      .map((a) => {
        const view: CaptureSourceView = {
          ref: `${ATTACHMENT_REF}${a.id}`,
          kind: 'attachment',
          name: a.name,
          contentType: a.contentType,
          size: a.size,
        };
        const format = formatOf(a.name, a.contentType);
        if (!format)
          view.refused = `${a.name} is not a resume CaptureME reads (PDF, Word .docx, RTF, text or HTML).`;
        else if (a.size > max) view.refused = tooLarge(a.name, max);
        return view;
      });
    for (const link of leftOut.filter((a) => a.reason === 'link'))
      files.push({
        ref: '',
        kind: 'attachment',
        name: link.name,
        contentType: 'application/octet-stream',
        size: link.size,
        refused: `${link.name} is a link to a cloud file: save it to the email as a file to capture it.`,
      });
    // Attachments first: a resume is usually one of them.
    return [...files, body];
  }

  private async sourceOf(user: CaptureUser, messageId: string, hasAttachments: boolean, ref: string) {
    if (ref !== BODY_REF && !ref.startsWith(ATTACHMENT_REF))
      throw new AppError('input.invalid', 'Choose the email’s body or one of its attachments.');
    const sources = await this.sourceList(user, messageId, hasAttachments);
    const source = sources.find((s) => s.ref === ref);
    if (!source) throw new AppError('mail.not_found', 'That attachment is not on this email any more.');
    return source;
  }

  /** The resume's bytes, read no further than the reader's size limit. */
  private async open(user: CaptureUser, messageId: string, ref: string) {
    const message = await this.deps.mailSource.message(
      user.userId,
      messageId,
      ref === BODY_REF ? 'full' : 'headers',
    );
    const source = await this.sourceOf(user, message.id, message.hasAttachments, ref);
    if (source.refused)
      throw new AppError(
        source.size > this.deps.reader.limits.maxBytes ? 'capture.too_large' : 'capture.unsupported',
        source.refused,
      );
    const max = this.deps.reader.limits.maxBytes;
    if (source.kind === 'body') {
      const body = message.body;
      if (!body?.content.trim()) throw new AppError('capture.unreadable', 'This email has no body to read.');
      const bytes = Buffer.from(body.content, 'utf8');
      if (bytes.length > max) throw new AppError('capture.too_large', tooLarge('The email’s body', max));
      const format: ResumeFormat = body.contentType === 'html' ? 'html' : 'text';
      return { id: message.id, message, source: { ...source, size: bytes.length }, bytes, format };
    }
    const attachmentId = ref.slice(ATTACHMENT_REF.length);
    const stream = await this.deps.mailSource.openAttachment(user.userId, message.id, attachmentId);
    const bytes = await readBounded(stream, max, source.name);
    return { id: message.id, message, source, bytes, format: formatOf(source.name, source.contentType)! };
  }
}

/** The identity of one capture: the same user, email and resume make one candidate. */
function captureKey(user: CaptureUser, messageId: string, ref: string): string {
  return `${user.userId}|${messageId}|${ref}`;
}

function toSource(view: CaptureSourceView): CaptureSource {
  return view.kind === 'body'
    ? { kind: 'body' }
    : { kind: 'attachment', id: view.ref.slice(ATTACHMENT_REF.length), name: view.name };
}

function stateView(doc: CaptureDoc): CaptureStateView {
  return {
    state: doc.kind === 'capture:pending' ? 'pending' : doc.kind === 'capture:done' ? 'done' : 'error',
    source: doc.source,
    share: doc.share,
    at: doc.updatedAt,
    ...(doc.candidateId
      ? { candidate: { id: doc.candidateId, name: doc.candidateName ?? '', created: doc.created ?? false } }
      : {}),
    ...(doc.error ? { error: doc.error } : {}),
  };
}

/**
 * What the Emails view shows of a captured email before the sync has seen it: its sender and date
 * (never its subject: under the metadata setting a subject is kept nowhere, and the ledger's entry
 * brings it once the email syncs).
 */
function emailFacts(
  from: Pick<MailMessage, 'receivedAt' | 'from'> | Pick<CaptureDoc, 'from' | 'receivedAt'>,
): Pick<CaptureDoc, 'from' | 'receivedAt'> {
  const sender = typeof from.from === 'string' ? from.from : from.from?.address;
  return { ...(sender ? { from: sender } : {}), ...(from.receivedAt ? { receivedAt: from.receivedAt } : {}) };
}

function withoutKeys(doc: CaptureDoc): Omit<CaptureDoc, 'id' | 'pk' | 'updatedAt'> {
  const { id: _id, pk: _pk, updatedAt: _at, ...rest } = doc;
  return rest;
}

/** What the form starts with: the reader's first value of each field; what it did not find stays empty. */
export function draftOf(resume: ParsedResume): CandidateProfile {
  const phone = resume.phones[0]?.value;
  return {
    name: resume.name?.value ?? '',
    emails: resume.emails.map((e) => e.value),
    ...(phone ? { phone: phone.e164 ?? phone.raw } : {}),
    ...(resume.location ? { location: resume.location.value } : {}),
    ...(resume.title ? { title: resume.title.value } : {}),
    ...(resume.employer ? { employer: resume.employer.value } : {}),
    links: resume.links.map((l) => l.value.url),
    skills: resume.skills.map((s) => s.value),
    history: resume.history.map(({ employer, title, start, end }) => ({
      ...(employer ? { employer } : {}),
      ...(title ? { title } : {}),
      ...(start ? { start } : {}),
      ...(end ? { end } : {}),
    })),
    education: resume.education.map(({ institution, degree, year }) => ({
      institution,
      ...(degree ? { degree } : {}),
      ...(year ? { year } : {}),
    })),
  };
}

const EXTENSIONS: Record<string, ResumeFormat> = {
  pdf: 'pdf',
  docx: 'docx',
  rtf: 'rtf',
  txt: 'text',
  text: 'text',
  htm: 'html',
  html: 'html',
};
const TYPES: Record<string, ResumeFormat> = {
  'application/pdf': 'pdf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/rtf': 'rtf',
  'text/rtf': 'rtf',
  'text/plain': 'text',
  'text/html': 'html',
};

/** The resume format of a file, by its extension first (mail clients often send octet-stream). */
export function formatOf(name: string, contentType: string): ResumeFormat | undefined {
  const dot = name.lastIndexOf('.');
  const extension = dot >= 0 ? name.slice(dot + 1).toLowerCase() : '';
  return EXTENSIONS[extension] ?? TYPES[contentType.split(';')[0]!.trim().toLowerCase()];
}

function tooLarge(name: string, max: number): string {
  return `${name} is larger than the ${Math.round(max / (1024 * 1024))} MB a resume may be.`;
}

/** The stream's bytes, refused (`capture.too_large`) as soon as they pass `max`. */
async function readBounded(stream: Readable, max: number, name: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      size += (chunk as Buffer).length;
      if (size > max) throw new AppError('capture.too_large', tooLarge(name, max));
      chunks.push(chunk as Buffer);
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks, size);
}

function phoneDigits(phone: string | undefined): string | undefined {
  if (!phone) return undefined;
  let digits = '';
  for (const c of phone) if (c >= '0' && c <= '9') digits += c;
  // The last nine digits: the same number written with or without its country or trunk prefix.
  return digits.length >= 7 ? digits.slice(-9) : undefined;
}

/** Failures that belong to the capture (its file, its contents), not to a service being down. */
function capturable(error: unknown): boolean {
  return (
    AppError.is(error) &&
    (error.code.startsWith('capture.') || error.code === 'input.invalid' || error.code === 'mail.not_found')
  );
}
