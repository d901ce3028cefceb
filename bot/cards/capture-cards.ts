import {
  AdaptiveCard,
  ChoiceSetInput,
  SubmitAction,
  TextBlock,
  TextInput,
  type IChoice,
} from '@microsoft/teams.cards';
import { type CaptureReadView, HELD_PRIVATELY } from '../capture/capture-service.ts';
import type { Field, SourceSpan } from '../capture/resume.port.ts';
import type { CandidateProfile, CrmRecord } from '../crm/crm.port.ts';
import { educationText, historyText, parseEducation, parseHistory } from '../capture/profile-text.ts';
import { CARD_VERSION } from './help-card.ts';
import { recordContainer, showButton } from './record-cards.ts';

/**
 * CaptureME's cards in Teams (the message action "Capture candidate"): pick the resume and the
 * share type; the profile the resume gave, every field editable with where it was found; the
 * candidate made; or why not, with Retry. Submit data carry `action` and what the next step needs.
 */

export interface CaptureChoice {
  /** `file:<n>` (the message's n-th file) or `text` (the message's own text). */
  ref: string;
  title: string;
}

const SHARE_CHOICES: IChoice[] = [
  { title: 'Private: only I see this candidate', value: 'private' },
  { title: 'Public: everyone in the CRM sees this candidate', value: 'public' },
];

function shareInput(value: string): ChoiceSetInput {
  return new ChoiceSetInput(...SHARE_CHOICES)
    .withId('share')
    .withLabel('Share')
    .withValue(value === 'public' ? 'public' : 'private')
    .withStyle('expanded');
}

/** Which resume to read: one of the message's files, or its text. */
export function capturePickCard(choices: readonly CaptureChoice[], share = 'private'): AdaptiveCard {
  return new AdaptiveCard(
    new TextBlock('Make a candidate from the resume in this message.', { wrap: true }),
    new ChoiceSetInput(...choices.map((c) => ({ title: c.title, value: c.ref })))
      .withId('source')
      .withLabel('Resume')
      .withValue(choices[0]?.ref ?? '')
      .withStyle('expanded')
      .withIsRequired(true)
      .withErrorMessage('Pick the resume.'),
    shareInput(share),
  )
    .withVersion(CARD_VERSION)
    .withActions(new SubmitAction({ title: 'Read resume', data: { action: 'captureRead' } }))
    .withFallbackText('Capture candidate');
}

/** The words around where a field was found, for the form: the resume's own wording. */
function sourceLine(
  text: string,
  field: Pick<Field<unknown>, 'source' | 'confidence'> | undefined,
): TextBlock {
  const span: SourceSpan | undefined = field?.source;
  const words = span
    ? `From the resume (${Math.round((field?.confidence ?? 0) * 100)} %): “${text
        .slice(Math.max(0, span.start - 30), Math.min(text.length, span.end + 30))
        .replace(/\s+/g, ' ')
        .trim()}”`
    : 'Not in the resume';
  return new TextBlock(words, { isSubtle: true, wrap: true, size: 'Small', spacing: 'None', maxLines: 2 });
}

function input(id: string, label: string, value: string, max: number, multiline = false): TextInput {
  return new TextInput({ id, label, value, maxLength: max, isMultiline: multiline });
}

/** The profile read from the resume, every field editable, and the duplicates it may be. */
export function captureFormCard(
  read: Omit<CaptureReadView, 'source'>,
  state: { ref: string; share: string; sourceName: string },
): AdaptiveCard {
  const { resume, draft, duplicates } = read;
  const t = resume.text;
  const card = new AdaptiveCard(
    new TextBlock(`Read from ${state.sourceName}. Check each field, then create the candidate.`, {
      wrap: true,
    }),
    new TextInput({
      id: 'name',
      label: 'Name',
      value: draft.name,
      maxLength: 200,
      isRequired: true,
      errorMessage: 'A candidate needs a name: no name was found in the resume.',
    }),
    sourceLine(t, resume.name),
    input('emails', 'Email addresses (comma between them)', draft.emails.join(', '), 1000),
    sourceLine(t, resume.emails[0]),
    input('phone', 'Phone', draft.phone ?? '', 40),
    sourceLine(t, resume.phones[0]),
    input('location', 'Location', draft.location ?? '', 200),
    sourceLine(t, resume.location),
    input('title', 'Current title', draft.title ?? '', 200),
    sourceLine(t, resume.title),
    input('employer', 'Current employer', draft.employer ?? '', 200),
    sourceLine(t, resume.employer),
    input('links', 'Links (one per line)', draft.links.join('\n'), 2000, true),
    input('skills', 'Skills (comma between them)', draft.skills.join(', '), 3000, true),
    input(
      'history',
      'Work history (a line each: title | employer | from | to)',
      historyText(draft.history),
      8000,
      true,
    ),
    sourceLine(t, resume.history[0]),
    input(
      'education',
      'Education (a line each: school | degree | year)',
      educationText(draft.education),
      4000,
      true,
    ),
    sourceLine(t, resume.education[0]),
    shareInput(state.share),
  ).withVersion(CARD_VERSION);
  const byAddress = duplicates.find((d) => d.reason === 'address');
  if (read.heldPrivately)
    card.body.push(new TextBlock(HELD_PRIVATELY, { wrap: true, color: 'Attention', weight: 'Bolder' }));
  if (duplicates.length > 0) {
    card.body.push(
      new TextBlock('This may be a candidate you already have:', { weight: 'Bolder', wrap: true }),
      new ChoiceSetInput(
        ...duplicates.map((d) => ({
          title: `Update ${d.record.name} (same ${d.reason})`,
          value: d.record.id,
        })),
        // A candidate with one of the addresses cannot be made twice: updating it is the choice.
        ...(byAddress ? [] : [{ title: 'Create a new candidate', value: 'new' }]),
      )
        .withId('target')
        .withValue(duplicates[0]!.record.id)
        .withStyle('expanded'),
    );
  }
  return card
    .withActions(
      new SubmitAction({
        title: duplicates.length > 0 ? 'Save candidate' : 'Create candidate',
        data: { action: 'captureCreate', ref: state.ref },
      }),
    )
    .withFallbackText('Capture candidate');
}

/** The profile a submitted form carries, bounded as the API's. */
export function profileFromForm(data: Record<string, unknown>): CandidateProfile {
  const text = (key: string, max: number) =>
    String(data[key] ?? '')
      .trim()
      .slice(0, max);
  const list = (key: string, separators: string, max: number, each: number) => {
    const out: string[] = [];
    let current = '';
    for (const c of String(data[key] ?? '').slice(0, 5000) + separators[0]) {
      if (separators.includes(c)) {
        const value = current.trim().slice(0, each);
        if (value && out.length < max) out.push(value);
        current = '';
      } else current += c;
    }
    return out;
  };
  const phone = text('phone', 40);
  const location = text('location', 200);
  const title = text('title', 200);
  const employer = text('employer', 200);
  return {
    name: text('name', 200),
    emails: list('emails', ',; \n', 10, 254),
    ...(phone ? { phone } : {}),
    ...(location ? { location } : {}),
    ...(title ? { title } : {}),
    ...(employer ? { employer } : {}),
    links: list('links', '\n ', 10, 500),
    skills: list('skills', ',;\n', 100, 100),
    history: parseHistory(String(data.history ?? '')),
    education: parseEducation(String(data.education ?? '')),
  };
}

/** The candidate CaptureME made or updated, with the way to it. */
export function capturedCard(record: CrmRecord, url: string, created: boolean): AdaptiveCard {
  return new AdaptiveCard(
    new TextBlock(created ? 'Candidate created' : 'Candidate updated', {
      size: 'Medium',
      weight: 'Bolder',
      wrap: true,
      color: 'Good',
    }),
    new TextBlock(
      created
        ? 'Source Type: Outlook. The resume and this message are on the record.'
        : 'The resume’s details were added; this message is on the record.',
      { wrap: true },
    ),
    recordContainer(record),
  )
    .withVersion(CARD_VERSION)
    .withActions(showButton(record, url))
    .withFallbackText(`${created ? 'Created' : 'Updated'} ${record.name}`);
}

/** Why no candidate was made, and Retry with the same choice. */
export function captureErrorCard(reason: string, retry: { ref: string; share: string }): AdaptiveCard {
  return new AdaptiveCard(
    new TextBlock('No candidate was made', { weight: 'Bolder', wrap: true, color: 'Attention' }),
    new TextBlock(reason, { wrap: true }),
  )
    .withVersion(CARD_VERSION)
    .withActions(
      new SubmitAction({
        title: 'Retry',
        data: { action: 'captureRead', source: retry.ref, share: retry.share },
      }),
    )
    .withFallbackText(`No candidate was made: ${reason}`);
}
