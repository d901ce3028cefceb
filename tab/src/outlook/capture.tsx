import {
  Button,
  Field,
  Input,
  Link,
  Radio,
  RadioGroup,
  Spinner,
  Subtitle2,
  Text,
  Textarea,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { useCallback, useEffect, useState } from 'react';
import type {
  CandidateProfile,
  CaptureReadResponse,
  CaptureResult,
  CaptureShare,
  CaptureStateView,
  CaptureView,
  EmailView,
  RecordView,
  SourceSpan,
} from '../../../bot/outlook/outlook-types.ts';
import {
  educationText,
  historyText,
  parseEducation,
  parseHistory,
} from '../../../bot/capture/profile-text.ts';
import { api } from '../api.ts';
import { Notice, OutcomeBar, useOutcome } from '../feedback.tsx';
import { when } from '../format.ts';
import type { OutlookHost } from './office-host.ts';

/**
 * CaptureME in the task pane (the seeds' section 7.5): pick the resume (an attachment or the
 * email's body) and the share type, then Process Now (read it, correct the profile, create the
 * candidate or update the one it duplicates) or Process Later (saved on the email; made at its next
 * sync). Clear Settings removes a saved choice.
 */

const useStyles = makeStyles({
  section: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS, minWidth: 0 },
  row: { display: 'flex', gap: tokens.spacingHorizontalS, alignItems: 'center', flexWrap: 'wrap' },
  muted: { color: tokens.colorNeutralForeground3 },
  source: {
    color: tokens.colorNeutralForeground3,
    overflowWrap: 'anywhere',
    borderLeft: `3px solid ${tokens.colorBrandStroke1}`,
    paddingLeft: tokens.spacingHorizontalS,
  },
  mark: { backgroundColor: tokens.colorPaletteYellowBackground2, color: 'inherit' },
});

const root = '/api/outlook' as const;
const path = (messageId: string, rest = '') => `/messages/${encodeURIComponent(messageId)}/capture${rest}`;

/** The words around where a field was found in the resume, the value itself marked. */
function SourceOf({ text, span }: { text: string; span: SourceSpan | undefined }) {
  const styles = useStyles();
  if (!span)
    return (
      <Text size={200} className={styles.muted}>
        Not in the resume
      </Text>
    );
  const from = Math.max(0, span.start - 40);
  const to = Math.min(text.length, span.end + 40);
  return (
    <Text size={200} className={styles.source} data-testid="field-source">
      {from > 0 ? '…' : ''}
      {text.slice(from, span.start)}
      <mark className={styles.mark}>{text.slice(span.start, span.end)}</mark>
      {text.slice(span.end, to)}
      {to < text.length ? '…' : ''}
    </Text>
  );
}

const list = (value: string, separator: RegExp) =>
  value
    .split(separator)
    .map((v) => v.trim())
    .filter(Boolean);

function StateLine({
  state,
  host,
  candidate,
}: {
  state: CaptureStateView;
  host: OutlookHost;
  candidate: RecordView | undefined;
}) {
  const from = state.source.kind === 'body' ? 'the email’s body' : state.source.name;
  if (state.state === 'pending')
    return (
      <Notice intent="info">
        Saved for later: a {state.share} candidate from {from}, made when this email next syncs.
      </Notice>
    );
  if (state.state === 'error')
    return (
      <Notice intent="error">
        Could not capture a candidate from {from}: {state.error}
      </Notice>
    );
  return (
    <Notice intent="success">
      {state.candidate?.created ? 'Captured' : 'Updated'} {state.candidate?.name} from {from},{' '}
      {when(state.at)}.{' '}
      {candidate && (
        <Link
          href={candidate.link}
          onClick={(event) => {
            event.preventDefault();
            host.open(candidate.link);
          }}
        >
          Show Candidate
        </Link>
      )}
    </Notice>
  );
}

function ProfileForm({
  read,
  share,
  messageId,
  onCreated,
}: {
  read: CaptureReadResponse;
  share: CaptureShare;
  messageId: string;
  onCreated(result: CaptureResult): void;
}) {
  const styles = useStyles();
  const { resume, draft, duplicates } = read;
  const [name, setName] = useState(draft.name);
  const [emails, setEmails] = useState(draft.emails.join(', '));
  const [phone, setPhone] = useState(draft.phone ?? '');
  const [location, setLocation] = useState(draft.location ?? '');
  const [title, setTitle] = useState(draft.title ?? '');
  const [employer, setEmployer] = useState(draft.employer ?? '');
  const [links, setLinks] = useState(draft.links.join('\n'));
  const [skills, setSkills] = useState(draft.skills.join(', '));
  const [history, setHistory] = useState(historyText(draft.history));
  const [education, setEducation] = useState(educationText(draft.education));
  // A candidate with one of the addresses cannot be made again: the choice is to update it.
  const byAddress = duplicates.find((d) => d.reason === 'address');
  const [target, setTarget] = useState<string>(
    byAddress?.id ?? (duplicates.length ? duplicates[0]!.id : 'new'),
  );
  const { outcome, busy, run } = useOutcome();
  const submit = () =>
    run(async () => {
      const profile: CandidateProfile = {
        name: name.trim(),
        emails: list(emails, /[,;\s]+/),
        ...(phone.trim() ? { phone: phone.trim() } : {}),
        ...(location.trim() ? { location: location.trim() } : {}),
        ...(title.trim() ? { title: title.trim() } : {}),
        ...(employer.trim() ? { employer: employer.trim() } : {}),
        links: list(links, /\s+/),
        skills: list(skills, /[,;\n]+/),
        history: parseHistory(history),
        education: parseEducation(education),
      };
      const { data } = await api<CaptureResult>(path(messageId), {
        root,
        method: 'POST',
        body: { ref: read.source.ref, share, profile, ...(target !== 'new' ? { updateId: target } : {}) },
      });
      onCreated(data);
      return `${data.created ? 'Created' : 'Updated'} ${data.candidate.name}; the email is on their record.`;
    });
  const field = (
    label: string,
    value: string,
    set: (v: string) => void,
    span: SourceSpan | undefined,
    confidence: number | undefined,
    multiline = false,
  ) => (
    <Field
      label={label}
      hint={confidence !== undefined ? `Found with ${Math.round(confidence * 100)} % confidence` : undefined}
    >
      {multiline ? (
        <Textarea value={value} onChange={(_, d) => set(d.value)} resize="vertical" />
      ) : (
        <Input value={value} onChange={(_, d) => set(d.value)} />
      )}
      <SourceOf text={resume.text} span={span} />
    </Field>
  );
  return (
    <form
      className={styles.section}
      aria-label="Candidate profile"
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      {field('Name', name, setName, resume.name?.source, resume.name?.confidence)}
      {field('Email addresses', emails, setEmails, resume.emails[0]?.source, resume.emails[0]?.confidence)}
      {field('Phone', phone, setPhone, resume.phones[0]?.source, resume.phones[0]?.confidence)}
      {field('Location', location, setLocation, resume.location?.source, resume.location?.confidence)}
      {field('Current title', title, setTitle, resume.title?.source, resume.title?.confidence)}
      {field('Current employer', employer, setEmployer, resume.employer?.source, resume.employer?.confidence)}
      {field('Links', links, setLinks, resume.links[0]?.source, resume.links[0]?.confidence, true)}
      {field('Skills', skills, setSkills, resume.skills[0]?.source, resume.skills[0]?.confidence, true)}
      {field(
        'Work history (a line each: title | employer | from | to)',
        history,
        setHistory,
        resume.history[0]?.source,
        resume.history[0]?.confidence,
        true,
      )}
      {field(
        'Education (a line each: school | degree | year)',
        education,
        setEducation,
        resume.education[0]?.source,
        resume.education[0]?.confidence,
        true,
      )}
      {read.heldPrivately && (
        <Notice intent="warning">
          Another recruiter holds a candidate with this address privately, so it cannot be captured again.
        </Notice>
      )}
      {duplicates.length > 0 && (
        <Field label="This may be a candidate you already have">
          <RadioGroup value={target} onChange={(_, d) => setTarget(d.value)}>
            {duplicates.map((d) => (
              <Radio key={d.id} value={d.id} label={`Update ${d.name} (same ${d.reason})`} />
            ))}
            {!byAddress && <Radio value="new" label="Create a new candidate" />}
          </RadioGroup>
        </Field>
      )}
      <div className={styles.row}>
        <Button appearance="primary" type="submit" disabled={busy || !name.trim()}>
          {busy ? 'Saving…' : target === 'new' ? 'Create candidate' : 'Update candidate'}
        </Button>
      </div>
      <OutcomeBar outcome={outcome} />
    </form>
  );
}

export function Capture({
  messageId,
  host,
  onEmail,
}: {
  messageId: string;
  host: OutlookHost;
  onEmail(view: EmailView): void;
}) {
  const styles = useStyles();
  const [view, setView] = useState<CaptureView>();
  const [loadError, setLoadError] = useState<string>();
  const [ref, setRef] = useState<string>();
  const [share, setShare] = useState<CaptureShare>('private');
  const [read, setRead] = useState<CaptureReadResponse>();
  const { outcome, busy, run } = useOutcome();

  const load = useCallback(async () => {
    try {
      const { data } = await api<CaptureView>(path(messageId), { root });
      setView(data);
      const readable = data.sources.filter((s) => !s.refused);
      const saved = data.state?.source;
      const savedRef = saved && (saved.kind === 'body' ? 'body' : `att:${saved.id}`);
      setRef((old) => old ?? savedRef ?? readable[0]?.ref);
    } catch (error) {
      setLoadError((error as Error).message);
    }
  }, [messageId]);
  useEffect(() => void load(), [load]);

  if (!view) return loadError ? <Notice intent="error">{loadError}</Notice> : <Spinner size="small" />;
  const readable = view.sources.filter((s) => !s.refused);
  const processNow = () =>
    run(async () => {
      setRead(undefined);
      const { data } = await api<CaptureReadResponse>(path(messageId, '/read'), {
        root,
        method: 'POST',
        body: { ref },
      });
      setRead(data);
      return data.draft.name
        ? 'Check the profile, then create the candidate.'
        : 'No name found in the resume: type it, then create the candidate.';
    });
  const processLater = () =>
    run(async () => {
      await api(path(messageId, '/later'), { root, method: 'PUT', body: { ref, share } });
      return 'Saved: the candidate is made when this email next syncs.';
    }, load);
  const clearSettings = () =>
    run(async () => {
      await api(path(messageId, '/later'), { root, method: 'DELETE' });
      return 'The saved CaptureME choice is cleared.';
    }, load);
  return (
    <section className={styles.section} aria-labelledby="capture-heading">
      <Subtitle2 as="h2" id="capture-heading">
        Capture candidate
      </Subtitle2>
      {view.state && <StateLine state={view.state} host={host} candidate={view.candidate ?? undefined} />}
      <Field label="Resume">
        <RadioGroup value={ref ?? ''} onChange={(_, d) => setRef(d.value)}>
          {view.sources.map((s) => (
            <Radio
              key={s.ref || s.name}
              value={s.ref}
              disabled={Boolean(s.refused)}
              label={s.refused ? `${s.name}: ${s.refused}` : s.name}
            />
          ))}
        </RadioGroup>
      </Field>
      <Field label="Share">
        <RadioGroup layout="horizontal" value={share} onChange={(_, d) => setShare(d.value as CaptureShare)}>
          <Radio value="private" label="Private" />
          <Radio value="public" label="Public" />
        </RadioGroup>
      </Field>
      <div className={styles.row}>
        <Button
          appearance="primary"
          disabled={busy || !ref || readable.length === 0}
          onClick={() => void processNow()}
        >
          {view.state?.state === 'error' ? 'Retry now' : 'Process Now'}
        </Button>
        <Button disabled={busy || !ref || view.state?.state === 'done'} onClick={() => void processLater()}>
          Process Later
        </Button>
        {view.state?.state === 'pending' && (
          <Button disabled={busy} onClick={() => void clearSettings()}>
            Clear Settings
          </Button>
        )}
      </div>
      {busy && !read && <Spinner size="small" label="Reading the resume…" />}
      <OutcomeBar outcome={outcome} />
      {read && (
        <ProfileForm
          key={read.source.ref}
          read={read}
          share={share}
          messageId={messageId}
          onCreated={(result) => {
            setRead(undefined);
            onEmail(result.email);
            void load();
          }}
        />
      )}
    </section>
  );
}
