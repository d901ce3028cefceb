import { AppError } from '../errors/app-error.ts';
import { tenantPartition } from '../store/store.port.ts';
import type { AttachmentStore } from './attachment-store.port.ts';
import { uniqueAddresses } from './builtin-crm-contacts.ts';
import type { CrmItemsContext } from './builtin-crm-items.ts';
import { type RecordDoc, recordId, sortNameOf, toRecord } from './builtin-crm-records.ts';
import type { CaptureInput, CrmRecord } from './crm.port.ts';
import { attachmentKey } from './file-attachment-store.ts';

/**
 * CaptureME in the built-in CRM: a candidate from a resume. The record's id comes from its first
 * address (as every candidate's), or from the capture when the resume has none, so two captures of
 * the same email at once make one candidate; `captures` remembers what wrote it, so a capture done
 * again (a retry, Process Later after a crash) writes nothing new.
 */

/** The CRM's Source Type and search keyword for a candidate captured from Outlook (the seeds' words). */
export const CAPTURE_SOURCE = 'Outlook';

/** Bounds on what a capture writes: a resume's lists can be long, a record must stay small. */
const MAX = { emails: 10, links: 10, skills: 100, history: 20, education: 10, text: 200 } as const;

export class BuiltinCrmCapture {
  private readonly crm: CrmItemsContext;
  private readonly attachments: AttachmentStore;

  constructor(crm: CrmItemsContext, attachments: AttachmentStore) {
    this.crm = crm;
    this.attachments = attachments;
  }

  async capture(input: CaptureInput): Promise<{ record: CrmRecord; created: boolean }> {
    try {
      return await this.captureNow(input);
    } catch (error) {
      throw this.crm.unavailable(error);
    }
  }

  async resumeOf(tenantId: string, id: string) {
    const found = await this.crm.items.read(tenantPartition(tenantId), id);
    const doc = found?.value as RecordDoc | undefined;
    if (!doc?.resume) return undefined;
    const bytes = await this.attachments.get(doc.resume.ref);
    return bytes && { name: doc.resume.name, contentType: doc.resume.contentType, bytes };
  }

  private async captureNow(input: CaptureInput): Promise<{ record: CrmRecord; created: boolean }> {
    const pk = tenantPartition(input.tenantId);
    const emails = uniqueAddresses(input.profile.emails.map((e) => e.toLowerCase())).slice(0, MAX.emails);
    const name = clip(input.profile.name);
    if (!name)
      throw new AppError('input.invalid', 'A candidate needs a name.', { context: { fields: ['name'] } });
    if (input.updateId) return this.update(pk, input, input.updateId, emails);
    const index = await this.crm.directory(input.tenantId);
    const id = recordId('candidate', emails[0] ?? `capture|${input.captureKey}`);
    const existing = (await this.crm.items.read(pk, id))?.value as RecordDoc | undefined;
    if (existing?.captures?.includes(input.captureKey)) return { record: toRecord(existing), created: false };
    const duplicate = existing ?? index.lookup(emails).candidates[0]?.record;
    if (duplicate)
      throw alreadyThere(
        duplicate.share === 'private' && duplicate.ownerId !== input.userId ? undefined : duplicate.name,
        duplicate.id,
      );
    const doc: RecordDoc = {
      id,
      pk,
      type: 'candidate',
      name,
      sortName: sortNameOf(name),
      emails,
      ...profileFields(input),
      ...(input.profile.title ? { role: clip(input.profile.title) } : {}),
      sourceType: CAPTURE_SOURCE,
      share: input.share,
      ownerId: input.userId,
      keywords: [CAPTURE_SOURCE],
      captures: [input.captureKey],
      updatedAt: this.crm.now().toISOString(),
    };
    if (input.resume) doc.resume = await this.storeResume(input, id);
    try {
      await this.crm.items.create(doc);
    } catch (error) {
      if (!AppError.is(error, 'store.conflict')) throw error;
      // Made a moment ago: by this same capture (done), or by someone else for the address (refused).
      const now = (await this.crm.items.read(pk, id))?.value as RecordDoc | undefined;
      if (now?.captures?.includes(input.captureKey)) return { record: toRecord(now), created: false };
      throw alreadyThere(
        now?.share === 'private' && now.ownerId !== input.userId ? undefined : (now?.name ?? name),
        id,
      );
    }
    await this.crm.recordsWritten(input.tenantId, [doc]);
    return { record: toRecord(doc), created: true };
  }

  /**
   * The user chose to update a candidate the resume duplicates: addresses, links and skills are
   * added, the resume's current title, employer and location (what it states of now) are written,
   * work history and education are the resume's when it has them, and nothing is emptied. The
   * record keeps its owner, share type and source type.
   */
  private async update(pk: string, input: CaptureInput, id: string, emails: string[]) {
    const found = await this.crm.items.read(pk, id);
    const doc = found?.value as RecordDoc | undefined;
    if (!found || doc?.type !== 'candidate')
      throw new AppError('input.invalid', 'That candidate is not in the CRM any more.', { context: { id } });
    if (doc.captures?.includes(input.captureKey)) return { record: toRecord(doc), created: false };
    const fields = profileFields(input);
    const next: RecordDoc = {
      ...doc,
      ...fields,
      emails: uniqueAddresses([...doc.emails, ...emails]),
      links: union(doc.links, fields.links, MAX.links),
      skills: union(doc.skills, fields.skills, MAX.skills),
      history: fields.history ?? doc.history ?? [],
      education: fields.education ?? doc.education ?? [],
      // A phone the record has stays; the resume's fills a blank. The current title is also the
      // role the CRM shows the candidate with.
      ...(doc.phone ? { phone: doc.phone } : {}),
      ...(fields.title ? { role: fields.title } : {}),
      keywords: union(doc.keywords, [CAPTURE_SOURCE], 20),
      captures: union(doc.captures, [input.captureKey], 50),
      updatedAt: this.crm.now().toISOString(),
    };
    if (input.resume) next.resume = await this.storeResume(input, id);
    for (const key of ['links', 'skills', 'history', 'education'] as const)
      if (next[key]?.length === 0) delete next[key];
    await this.crm.items.replace(next, { ifMatch: found.etag });
    await this.crm.recordsWritten(input.tenantId, [next]);
    return { record: toRecord(next), created: false };
  }

  private async storeResume(input: CaptureInput, id: string): Promise<NonNullable<RecordDoc['resume']>> {
    const resume = input.resume!;
    const name = clip(resume.name) || 'resume';
    // Prefixed: a file named `..` or `.` stays a file name inside the record's folder.
    const ref = await this.attachments.put(
      attachmentKey(input.tenantId, 'resumes', id, `resume-${name}`),
      resume.bytes,
      resume.contentType,
    );
    return { name, contentType: resume.contentType, size: resume.bytes.length, ref };
  }
}

/** The profile's fields as a record keeps them: trimmed, bounded, the empty ones left out. */
function profileFields(input: CaptureInput): Partial<RecordDoc> {
  const p = input.profile;
  const out: Partial<RecordDoc> = {};
  const phone = clip(p.phone);
  if (phone) out.phone = phone;
  const location = clip(p.location);
  if (location) out.address = location;
  const title = clip(p.title);
  if (title) out.title = title;
  const employer = clip(p.employer);
  if (employer) out.employer = employer;
  const links = union([], p.links.map(clip), MAX.links);
  if (links.length) out.links = links;
  const skills = union([], p.skills.map(clip), MAX.skills);
  if (skills.length) out.skills = skills;
  const history = p.history.slice(0, MAX.history).map((h) => compact(h));
  if (history.some((h) => Object.keys(h).length > 0))
    out.history = history.filter((h) => Object.keys(h).length > 0);
  const education = p.education
    .slice(0, MAX.education)
    .map((e) => ({ ...compact(e), institution: clip(e.institution) }))
    .filter((e) => e.institution);
  if (education.length) out.education = education;
  return out;
}

function compact<T extends object>(entry: T): T {
  return Object.fromEntries(
    Object.entries(entry)
      .map(([k, v]) => [k, typeof v === 'string' ? clip(v) : v])
      .filter(([, v]) => v !== '' && v !== undefined),
  ) as T;
}

function clip(value: string | undefined): string {
  return (value ?? '').trim().slice(0, MAX.text);
}

/** Case-insensitive union, first spelling kept, at most `max` (the contacts' rule for addresses). */
function union(a: readonly string[] | undefined, b: readonly string[] | undefined, max: number): string[] {
  return uniqueAddresses([...(a ?? []), ...(b ?? [])]).slice(0, max);
}

/** The refusal of a second candidate; another recruiter's private candidate is not named. */
function alreadyThere(name: string | undefined, id: string): AppError {
  return new AppError(
    'input.invalid',
    name
      ? `${name} is already a candidate in the CRM: update that candidate instead.`
      : 'Another recruiter holds a candidate with this address privately, so it cannot be captured again.',
    {
      context: { existingId: id },
    },
  );
}
