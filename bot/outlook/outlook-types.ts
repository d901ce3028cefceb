/**
 * The Outlook add-in API's answers, shared by the server (bot/outlook/outlook-api.ts) and its
 * client, the task pane (tab/src/outlook/): one definition, no hand-kept copy. Types only, so the
 * browser build can use it as it is.
 */

import type { Exported } from '../sync/ledger.ts';

export type { Exported };

import type { CrmRecordType } from '../crm/crm.port.ts';

export type RecordKind = CrmRecordType;

export interface RecordView {
  id: string;
  type: RecordKind;
  name: string;
  role: string | null;
  companyName: string | null;
  lastActivityAt: string | null;
  /** Where Show Candidate / Show Contact / Show Company go. */
  link: string;
}

export interface EmailView {
  message: {
    id: string;
    subject: string;
    from: string | null;
    receivedAt: string;
    direction: 'received' | 'sent';
  };
  status: {
    exported: Exported;
    note: string | null;
    linkType: 'Cand' | 'Con' | 'CandCon' | null;
    /** The records the email's activity is linked to. */
    records: RecordView[];
    updatedAt: string | null;
  };
  /** Who the email's addresses match now, with the user's settings; the pane ticks them by default. */
  matches: Array<RecordView & { address: string }>;
  /** Why nothing matches, when nothing does. */
  noMatchReason: string | null;
}

export interface SearchView {
  records: RecordView[];
}

/** POST /api/outlook/messages/{id}/sync: the ticked matches (all of them when absent). */
export interface SyncRequest {
  recordIds?: string[];
}

/** POST /api/outlook/messages/{id}/associate: records to link besides those already linked. */
export interface AssociateRequest {
  recordIds: string[];
}

import type {
  CaptureReadView,
  CaptureSourceView,
  CaptureStateView,
  DuplicateView,
} from '../capture/capture-service.ts';
import type { CandidateProfile } from '../crm/crm.port.ts';

export type {
  CaptureReadView,
  CaptureSourceView,
  CaptureStateView,
  DuplicateView,
} from '../capture/capture-service.ts';
export type { CaptureShare } from '../capture/capture-store.ts';
export type { CandidateProfile };
export type { ParsedResume, Field, SourceSpan } from '../capture/resume.port.ts';

/** GET /api/outlook/messages/{id}/capture: the resumes the email offers and what CaptureME did with it. */
export interface CaptureView {
  messageId: string;
  subject: string;
  sources: CaptureSourceView[];
  state: CaptureStateView | null;
  /** The candidate a capture made or updated, as it is in the CRM now. */
  candidate: RecordView | null;
}

/** POST /api/outlook/messages/{id}/capture/read: the resume read, the form's start and duplicates. */
export interface CaptureReadResponse extends Omit<CaptureReadView, 'duplicates'> {
  duplicates: Array<RecordView & { reason: DuplicateView['reason'] }>;
}

/** POST /api/outlook/messages/{id}/capture: Process Now with the profile the user confirmed. */
export interface CaptureRequest {
  ref: string;
  share: 'private' | 'public';
  profile: CandidateProfile;
  /** Update this candidate (a duplicate the pane offered) instead of making one. */
  updateId?: string;
}

export interface CaptureResult {
  candidate: RecordView;
  created: boolean;
  email: EmailView;
}
