/**
 * The resume reader's port: bytes of a resume (an attachment or an email body) in, the profile it
 * states out. Every field carries a confidence and where in the text it was found, so the capture
 * form can highlight its source; a field the text does not state stays empty (nothing invented).
 *
 * The reader runs in worker threads with a size, page and time limit: a hostile file is refused
 * with an AppError (`capture.*`), never a hung or crashed process.
 */

/** What a resume arrives as. `doc` (Word 97) is not read: it is refused as `capture.unsupported`. */
export type ResumeFormat = 'pdf' | 'docx' | 'rtf' | 'text' | 'html';

export interface ResumeInput {
  bytes: Buffer;
  format: ResumeFormat;
  /** The file's name, for messages only. */
  name?: string;
}

/** Where a value was found: character offsets into `ParsedResume.text` (end exclusive). */
export interface SourceSpan {
  start: number;
  end: number;
}

export interface Field<T> {
  value: T;
  /** 0 to 1: how sure the reader is (a labelled or well-formed value is surer than a guess). */
  confidence: number;
  source?: SourceSpan;
}

export interface PhoneValue {
  /** As written in the resume. */
  raw: string;
  /** E.164 (+14155550123) when a country is stated in the number or could be inferred. */
  e164?: string;
}

export type LinkKind = 'linkedin' | 'github' | 'portfolio';

export interface LinkValue {
  kind: LinkKind;
  url: string;
}

export interface HistoryEntry {
  employer?: string;
  title?: string;
  /** As written ("Mar 2019", "2019"); `end` absent or "Present" for the current role. */
  start?: string;
  end?: string;
  confidence: number;
  source?: SourceSpan;
}

export interface EducationEntry {
  institution: string;
  degree?: string;
  year?: string;
  confidence: number;
  source?: SourceSpan;
}

export interface ParsedResume {
  /** The text the fields were read from, bounded (see `ReaderLimits.maxTextChars`). */
  text: string;
  /** Pages, for a PDF. */
  pages?: number;
  name?: Field<string>;
  emails: Field<string>[];
  phones: Field<PhoneValue>[];
  location?: Field<string>;
  title?: Field<string>;
  employer?: Field<string>;
  links: Field<LinkValue>[];
  skills: Field<string>[];
  history: HistoryEntry[];
  education: EducationEntry[];
}

export interface ReadOptions {
  /** ISO 3166 alpha-2 (e.g. "US", "GB"): the country assumed for a number with no country code. */
  defaultCountry?: string;
  /** The skills to look for (the admin-editable list); matched as whole words, case-insensitive. */
  skills: readonly string[];
}

export interface ReaderLimits {
  /** Bytes of one file; larger is refused (`capture.too_large`) before any parsing. */
  maxBytes: number;
  /** PDF pages; more is refused (`capture.too_large`). */
  maxPages: number;
  /** Wall-clock time for one read; past it the worker is ended (`capture.timeout`). */
  timeMs: number;
  /** Characters of text kept and searched; the rest is not read. */
  maxTextChars: number;
}

export interface ResumeReader {
  readonly limits: ReaderLimits;
  /**
   * Reads one resume. Throws AppError `capture.too_large` (size or pages, with the limit named),
   * `capture.unsupported` (a format it does not read), `capture.unreadable` (no text: a scanned or
   * encrypted PDF, a damaged file) or `capture.timeout`.
   */
  read(input: ResumeInput, options: ReadOptions): Promise<ParsedResume>;
  /** Ends the worker threads. */
  close(): Promise<void>;
}
