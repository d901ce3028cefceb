import type { CountryCode } from 'libphonenumber-js';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { Field, LinkKind, LinkValue, PhoneValue } from './resume.port.ts';

/**
 * Addresses, phone numbers and links, each found by a forward scan with bounded look-around:
 * every character is looked at a constant number of times, whatever the text.
 */

const MAX_LOCAL = 64;
const MAX_DOMAIN = 253;

export function findEmails(text: string): Field<string>[] {
  const found: Field<string>[] = [];
  const seen = new Set<string>();
  let from = 0;
  for (;;) {
    const at = text.indexOf('@', from);
    if (at < 0) break;
    from = at + 1;
    let start = at;
    while (start > 0 && at - start < MAX_LOCAL && isLocalChar(text.charCodeAt(start - 1))) start--;
    while (start < at && text[start] === '.') start++;
    let end = at + 1;
    while (end < text.length && end - at <= MAX_DOMAIN && isDomainChar(text.charCodeAt(end))) end++;
    while (end > at + 1 && (text[end - 1] === '.' || text[end - 1] === '-')) end--;
    if (start === at || !validDomain(text.slice(at + 1, end))) continue;
    const value = text.slice(start, end);
    from = end;
    if (seen.has(value.toLowerCase())) continue;
    seen.add(value.toLowerCase());
    found.push({ value, confidence: 0.95, source: { start, end } });
  }
  return found;
}

function validDomain(domain: string): boolean {
  const dot = domain.lastIndexOf('.');
  if (dot <= 0 || domain.includes('..')) return false;
  const tld = domain.slice(dot + 1);
  return tld.length >= 2 && /^[A-Za-z]+$/.test(tld);
}

function isLocalChar(c: number): boolean {
  return isAlnum(c) || c === 46 || c === 95 || c === 37 || c === 43 || c === 45; // . _ % + -
}

function isDomainChar(c: number): boolean {
  return isAlnum(c) || c === 46 || c === 45;
}

function isAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

const PHONE_CHARS = new Set([...'0123456789+()-. ']);
/** "+44 (0) 20 7946 0958 " is 21 characters; longer runs are not one number. */
const MAX_PHONE_RUN = 26;

interface PhoneCandidate {
  raw: string;
  start: number;
  end: number;
}

/**
 * Runs of digits and phone punctuation (7 to 15 digits) parsed with libphonenumber-js: a number
 * written with its `+code` needs no country; one without needs `country` (given, or inferred from
 * the resume) to become E.164, else it is kept as written with a low confidence.
 */
export function findPhones(text: string, country?: string): Field<PhoneValue>[] {
  const found: Field<PhoneValue>[] = [];
  const seen = new Set<string>();
  for (const candidate of phoneCandidates(text)) {
    const phone = parsePhone(candidate, country);
    if (!phone) continue;
    const key = phone.value.e164 ?? phone.value.raw.replace(/\D/g, '');
    if (seen.has(key)) continue;
    seen.add(key);
    found.push(phone);
  }
  return found;
}

/** The country of the first number written with its `+code`, when no other clue exists. */
export function countryOfFirstIntlPhone(text: string): string | undefined {
  for (const candidate of phoneCandidates(text)) {
    if (!candidate.raw.startsWith('+')) continue;
    const parsed = parsePhoneNumberFromString(candidate.raw);
    if (parsed?.isValid() && parsed.country) return parsed.country;
  }
  return undefined;
}

function* phoneCandidates(text: string): Generator<PhoneCandidate> {
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    const startsRun = c === '+' || c === '(' || (c >= '0' && c <= '9');
    if (!startsRun || (i > 0 && isWordChar(text.charCodeAt(i - 1)))) {
      i++;
      continue;
    }
    let j = i;
    while (j < text.length && PHONE_CHARS.has(text[j]!) && !(text[j] === ' ' && text[j + 1] === ' ')) j++;
    let end = j;
    while (end > i && !isDigitCode(text.charCodeAt(end - 1))) end--;
    const followedByWord = end < text.length && isWordChar(text.charCodeAt(end));
    if (end - i <= MAX_PHONE_RUN && !followedByWord) {
      const raw = text.slice(i, end);
      const digits = countDigits(raw);
      if (digits >= 7 && digits <= 17) yield { raw, start: i, end };
    }
    i = Math.max(j, i + 1);
  }
}

function parsePhone(candidate: PhoneCandidate, country?: string): Field<PhoneValue> | undefined {
  // The whole run, else what follows each space in it ("WA 98101 (206) 555-0142" gives its number).
  const starts = [0];
  for (let k = 0; k < candidate.raw.length; k++) if (candidate.raw[k] === ' ') starts.push(k + 1);
  for (const offset of starts) {
    const raw = candidate.raw.slice(offset);
    if (countDigits(raw) < 7) break;
    const international = raw.startsWith('+');
    const parsed = international
      ? parsePhoneNumberFromString(raw)
      : country
        ? parsePhoneNumberFromString(raw, country.toUpperCase() as CountryCode)
        : undefined;
    const source = { start: candidate.start + offset, end: candidate.end };
    if (parsed?.isValid()) {
      return { value: { raw, e164: parsed.number }, confidence: international ? 0.95 : 0.85, source };
    }
    if (international && parsed?.isPossible()) {
      return { value: { raw, e164: parsed.number }, confidence: 0.6, source };
    }
    if (!country && !international && offset === 0 && looksLikeNationalNumber(raw)) {
      return { value: { raw }, confidence: 0.3, source };
    }
  }
  return undefined;
}

/** Without a country: 9 to 12 digits in groups, not a year range ("2016 2019"). */
function looksLikeNationalNumber(raw: string): boolean {
  const digits = countDigits(raw);
  if (digits < 9 || digits > 12) return false;
  const groups = raw.split(/[^0-9]+/).filter((g) => g !== '');
  return (
    groups.length >= 2 && !groups.every((g) => g.length === 4 && (g.startsWith('19') || g.startsWith('20')))
  );
}

function countDigits(s: string): number {
  let n = 0;
  for (let k = 0; k < s.length; k++) if (isDigitCode(s.charCodeAt(k))) n++;
  return n;
}

function isDigitCode(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isWordChar(c: number): boolean {
  return isAlnum(c) || c === 95 || c === 47 || c === 64 || c > 127; // _ / @ and letters beyond ASCII
}

const MAX_URL = 300;
const URL_STARTS = ['https://', 'http://', 'www.', 'linkedin.com/', 'github.com/'];

/**
 * LinkedIn and GitHub profiles anywhere, and other web addresses as a portfolio when they sit in
 * the header (`portfolioBefore` offset) or follow a "Portfolio:", "Website:" label.
 */
export function findLinks(text: string, portfolioBefore: number): Field<LinkValue>[] {
  const found: Field<LinkValue>[] = [];
  const seen = new Set<string>();
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i) | 32;
    const maybe = c === 104 || c === 119 || c === 108 || c === 103; // h w l g
    if (!maybe || (i > 0 && isUrlChar(text.charCodeAt(i - 1)))) {
      i++;
      continue;
    }
    const head = text.slice(i, i + 14).toLowerCase();
    if (!URL_STARTS.some((s) => head.startsWith(s))) {
      i++;
      continue;
    }
    const start = i;
    let end = i;
    while (end < text.length && end - i < MAX_URL && isUrlChar(text.charCodeAt(end))) end++;
    while (end > i && '.,;:)]!?\'"'.includes(text[end - 1]!)) end--;
    const written = text.slice(i, end);
    i = Math.max(end, i + 1);
    const kind = linkKind(written);
    const labelled = /(portfolio|website|web|blog|site)\s?:?\s?$/i.test(
      text.slice(Math.max(0, start - 20), start),
    );
    if (!kind || (kind === 'portfolio' && i > portfolioBefore && !labelled)) continue;
    const url = /^https?:\/\//i.test(written) ? written : `https://${written}`;
    const key = url
      .toLowerCase()
      .replace(/^https?:\/\/(www\.)?/, '')
      .replace(/\/$/, '');
    if (seen.has(key)) continue;
    seen.add(key);
    found.push({
      value: { kind, url },
      confidence: kind === 'portfolio' ? 0.7 : 0.95,
      source: { start, end },
    });
  }
  return found;
}

function linkKind(written: string): LinkKind | undefined {
  const host = written
    .toLowerCase()
    .replace(/^https?:\/\//, '')
    .replace(/^www\./, '');
  if (host.startsWith('linkedin.com/') || /^[a-z]{2}\.linkedin\.com\//.test(host)) return 'linkedin';
  if (host.startsWith('github.com/')) return host.length > 'github.com/'.length ? 'github' : undefined;
  if (!host.includes('.') || host.length < 4) return undefined;
  return 'portfolio';
}

function isUrlChar(c: number): boolean {
  return c > 32 && c < 127 && c !== 60 && c !== 62 && c !== 34 && c !== 124; // not < > " |
}
