import type { Readable } from 'node:stream';
import type { AdaptiveCard } from '@microsoft/teams.cards';
import { type CaptureService, formatOf } from '../capture/capture-service.ts';
import type { ResumeFormat } from '../capture/resume.port.ts';
import {
  type CaptureChoice,
  captureErrorCard,
  captureFormCard,
  capturedCard,
  capturePickCard,
  profileFromForm,
} from '../cards/capture-cards.ts';
import { noticeCard } from '../cards/notice-cards.ts';
import { htmlToText } from '../crm/html-text.ts';
import type { MessageLinking, TeamsMessagePayload } from '../crm/message-linking.ts';
import { AppError } from '../errors/app-error.ts';
import type { UserRef } from '../sync/mail-sync.ts';
import { isInOneDriveOf } from '../mail-source/graph-files.ts';
import { withinBudget } from './route-helpers.ts';

/**
 * CaptureME on a Teams message ("Capture candidate" in a message's "..." menu): the message's file
 * (SharePoint or OneDrive, read through Graph) or its own text becomes a candidate. Each step is
 * one invoke and answers within Teams' deadline: a read that would overrun it answers with Retry,
 * never a silent wait.
 */

export interface TeamsCapture {
  service: CaptureService;
  /** A file a Teams message links to, read through Graph on the user's behalf. */
  openFile(userId: string, url: string): Promise<Readable>;
  /** Every address of a Microsoft 365 user (their OneDrive's name comes from one). */
  addressesOf(aadObjectId: string): Promise<readonly string[]>;
}

interface Source {
  ref: string;
  name: string;
  format: ResumeFormat;
  contentType: string;
  /** A file's SharePoint URL; absent for the message's text. */
  url?: string;
}

const TEXT_REF = 'text';

/** The resumes a message offers: its files in a format the reader takes, then its own text. */
export function captureSources(payload: TeamsMessagePayload): Source[] {
  const files: Source[] = [];
  for (const [index, a] of (payload.attachments ?? []).slice(0, 20).entries()) {
    if (a.contentType !== 'reference' || !a.contentUrl || !a.name) continue;
    const format = formatOf(a.name, '');
    if (format)
      files.push({
        ref: `file:${index}`,
        name: a.name,
        format,
        contentType: typeOf(format),
        url: a.contentUrl,
      });
  }
  const html = payload.body?.contentType === 'html';
  // A file's message carries only an <attachment> tag as its body: no text to offer then.
  const content = (payload.body?.content ?? '').slice(0, 64 * 1024);
  const words = html ? htmlToText(content) : content;
  const text: Source[] = words.trim()
    ? [
        {
          ref: TEXT_REF,
          name: 'the message’s text',
          format: html ? 'html' : 'text',
          contentType: html ? 'text/html' : 'text/plain',
        },
      ]
    : [];
  return [...files, ...text];
}

function typeOf(format: ResumeFormat): string {
  return {
    pdf: 'application/pdf',
    docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    rtf: 'application/rtf',
    text: 'text/plain',
    html: 'text/html',
  }[format];
}

export class CaptureAction {
  private readonly capture: TeamsCapture;
  private readonly linking: MessageLinking;
  /** Posts a card to the user's chat with the bot: a result that came after Teams stopped waiting. */
  private readonly sendLater: (user: UserRef, card: AdaptiveCard) => Promise<void>;

  constructor(
    capture: TeamsCapture,
    linking: MessageLinking,
    sendLater: (user: UserRef, card: AdaptiveCard) => Promise<void>,
  ) {
    this.capture = capture;
    this.linking = linking;
    this.sendLater = sendLater;
  }

  /** The first step: the pick card, or straight to the form when the message offers one resume. */
  async open(user: UserRef, payload: TeamsMessagePayload, left: () => number): Promise<AdaptiveCard> {
    const sources = captureSources(payload);
    if (sources.length === 0)
      return noticeCard(
        'No resume here',
        'This message has no file CaptureME reads (PDF, Word .docx, RTF, text or HTML) and no text.',
        'Attention',
      );
    if (sources.length > 1) return capturePickCard(sources.map(choiceOf));
    return this.read(user, payload, { source: sources[0]!.ref, share: 'private' }, left);
  }

  /** Reads the chosen resume into the editable form, or says why not (with Retry). */
  async read(
    user: UserRef,
    payload: TeamsMessagePayload,
    data: Record<string, unknown>,
    left: () => number,
  ): Promise<AdaptiveCard> {
    const share = data.share === 'public' ? 'public' : 'private';
    const source = captureSources(payload).find((s) => s.ref === data.source);
    if (!source) return capturePickCard(captureSources(payload).map(choiceOf), share);
    const retry = { ref: source.ref, share };
    const work = this.bytesOf(user, payload, source)
      .then((bytes) =>
        this.capture.service.readResume(user, { bytes, format: source.format, name: source.name }),
      )
      .then((read) => captureFormCard(read, { ...retry, sourceName: source.name }));
    return this.within(
      work,
      left,
      retry,
      captureErrorCard('Reading the resume took longer than Teams waits. Try again.', retry),
    );
  }

  /** The form submitted: the candidate made (or the duplicate updated), the message on its record. */
  async create(
    user: UserRef,
    payload: TeamsMessagePayload,
    data: Record<string, unknown>,
    left: () => number,
  ): Promise<AdaptiveCard> {
    const share = data.share === 'public' ? 'public' : 'private';
    const source = captureSources(payload).find((s) => s.ref === data.ref);
    if (!source) return noticeCard('That resume is not on the message any more', undefined, 'Attention');
    const profile = profileFromForm(data);
    if (!profile.name)
      return captureErrorCard('No name found in the resume, and none was typed.', { ref: source.ref, share });
    const target =
      typeof data.target === 'string' && data.target !== 'new' ? data.target.slice(0, 200) : undefined;
    const work = (async () => {
      const bytes = source.url ? await this.bytesOf(user, payload, source) : undefined;
      const made = await this.capture.service.captureFrom({
        tenantId: user.tenantId,
        userId: user.userId,
        captureKey: `${user.userId}|teams:${payload.id}|${source.ref}`,
        profile,
        share,
        ...(target ? { updateId: target } : {}),
        ...(bytes ? { resume: { name: source.name, contentType: source.contentType, bytes } } : {}),
      });
      // The message is the candidate's activity, as Sync to CRM would make it (one per message).
      await this.linking.link(user, payload, [made.record.id]);
      return capturedCard(made.record, made.link, made.created);
    })();
    return this.within(
      work,
      left,
      { ref: source.ref, share },
      noticeCard(
        'Saving the candidate…',
        'This is taking a moment. The result will be in your chat with CRM Sync.',
      ),
      (card) => this.sendLater(user, card),
    );
  }

  /**
   * The card `work` makes if it comes within Teams' deadline, `late` if not (the work goes on); a
   * refusal the user can act on is the error card with Retry.
   */
  private async within(
    work: Promise<AdaptiveCard>,
    left: () => number,
    retry: { ref: string; share: string },
    late: AdaptiveCard,
    /** Where the result goes when it comes after Teams stopped waiting; dropped when absent. */
    afterwards?: (card: AdaptiveCard) => Promise<void>,
  ): Promise<AdaptiveCard> {
    try {
      const answer = await withinBudget(work, Math.max(0, left()));
      if (answer.done) return answer.value;
      void answer.later
        .catch((error: unknown) => {
          try {
            return this.refused(error, retry);
          } catch {
            return noticeCard(
              'No candidate was made',
              'Something went wrong on our side; try again.',
              'Attention',
            );
          }
        })
        .then((card) => afterwards?.(card))
        .catch(() => undefined);
      return late;
    } catch (error) {
      return this.refused(error, retry);
    }
  }

  private async bytesOf(user: UserRef, payload: TeamsMessagePayload, source: Source): Promise<Buffer> {
    if (!source.url) return Buffer.from(payload.body?.content ?? '', 'utf8');
    // Read with the app's own permission, so only the sender's own file: see isInOneDriveOf.
    const senderId = payload.from?.user?.id;
    const owners = senderId ? await this.capture.addressesOf(senderId).catch(() => []) : [];
    if (!isInOneDriveOf(source.url, owners))
      throw new AppError(
        'capture.unsupported',
        `${source.name} is not in its sender's OneDrive (a channel's or someone else's file), so CaptureME does not read it. Email the resume and capture it in Outlook, or paste its text.`,
      );
    return this.capture.service.readFile(await this.capture.openFile(user.userId, source.url), source.name);
  }

  /** A refusal the user can act on (the file, the input) as the error card; anything else is thrown. */
  private refused(error: unknown, retry: { ref: string; share: string }): AdaptiveCard {
    if (AppError.is(error) && (error.code.startsWith('capture.') || error.code === 'input.invalid'))
      return captureErrorCard(error.message, retry);
    if (AppError.is(error, 'mail.not_found'))
      return captureErrorCard('The file is gone from SharePoint, or CRM Sync may not read it.', retry);
    if (AppError.is(error, 'mail.needs_consent'))
      return captureErrorCard(
        'CRM Sync may not read files shared in Teams (your administrator has not granted it Files.Read.All). Capture the resume from its email in Outlook, or from the message’s text.',
        retry,
      );
    throw error;
  }
}

function choiceOf(source: Source): CaptureChoice {
  return { ref: source.ref, title: source.url ? source.name : 'The message’s text' };
}
