import type { Directory, DirectoryMatch } from '../crm/crm.port.ts';
import { domainAndParents } from '../crm/mail-domains.ts';
import type { MailMessage } from '../mail-source/mail-source.port.ts';

/**
 * Who an email belongs to in the CRM. Pure: the same message, settings and directory always give
 * the same answer. "No match" is a result with a reason, not an error.
 */

export type LinkType = 'Cand' | 'Con' | 'CandCon';

export type MatchResult =
  /** Nobody on the email is in the CRM. */
  | { kind: 'no_match'; reason: string }
  /** A rule of the user's keeps the email out of the CRM, whoever is on it (blocklist, internal only). */
  | { kind: 'skipped'; reason: string; blockedBy?: string }
  | {
      kind: 'matched';
      candidates: DirectoryMatch[];
      contacts: DirectoryMatch[];
      /** Companies: linked by hand (Associate), or by the domain of an address when the user asks for it. */
      companies?: DirectoryMatch[];
      /** The seeds' Cand / Con / CandCon; none when only companies are linked. */
      linkType?: LinkType;
    };

/** The seeds' link type of a set of records: Cand, Con or CandCon; none for companies alone. */
export function linkTypeOf(records: ReadonlyArray<{ type: string }>): LinkType | undefined {
  const candidate = records.some((r) => r.type === 'candidate');
  const contact = records.some((r) => r.type === 'contact');
  return candidate && contact ? 'CandCon' : candidate ? 'Cand' : contact ? 'Con' : undefined;
}

/** A match made of these records, with its link type. */
export function matchOf(found: readonly DirectoryMatch[]): Extract<MatchResult, { kind: 'matched' }> {
  const candidates = found.filter((m) => m.record.type === 'candidate');
  const contacts = found.filter((m) => m.record.type === 'contact');
  const companies = found.filter((m) => m.record.type === 'company');
  const linkType = linkTypeOf(found.map((m) => m.record));
  return {
    kind: 'matched',
    candidates,
    contacts,
    ...(companies.length > 0 ? { companies } : {}),
    ...(linkType ? { linkType } : {}),
  };
}

export interface MatchContext {
  direction: 'received' | 'sent';
  ownAddresses: ReadonlySet<string>;
  /** The user's own domains and the agency's other domains. */
  internalDomains: ReadonlySet<string>;
  matchAllParticipants: boolean;
  skipInternalOnly: boolean;
  blocklist: readonly string[];
  /** Link the companies whose domain an address to match is at (the "link companies" setting). */
  linkCompanies?: boolean;
  directory: Directory;
}

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1);
}

interface CompiledBlocklist {
  addresses: ReadonlySet<string>;
  domains: ReadonlySet<string>;
}

/** Compiled once per list (settings are read once per run), so a check costs the same at 1 or 1,000 entries. */
const compiledLists = new WeakMap<readonly string[], CompiledBlocklist>();

function compile(blocklist: readonly string[]): CompiledBlocklist {
  let compiled = compiledLists.get(blocklist);
  if (!compiled) {
    compiled = {
      addresses: new Set(blocklist.filter((e) => !e.startsWith('@'))),
      domains: new Set(blocklist.filter((e) => e.startsWith('@')).map((e) => e.slice(1))),
    };
    compiledLists.set(blocklist, compiled);
  }
  return compiled;
}

/**
 * The blocklist entry that blocks an address, if any: the address itself, or `@northwind.com` for
 * northwind.com and every subdomain of it.
 */
export function blockedBy(address: string, blocklist: readonly string[]): string | undefined {
  if (blocklist.length === 0) return undefined;
  const { addresses, domains } = compile(blocklist);
  if (addresses.has(address)) return address;
  for (const domain of domainAndParents(domainOf(address))) if (domains.has(domain)) return `@${domain}`;
  return undefined;
}

export function isBlocked(address: string, blocklist: readonly string[]): boolean {
  return blockedBy(address, blocklist) !== undefined;
}

export function directionOf(
  message: MailMessage,
  ownAddresses: ReadonlySet<string>,
  sentFolderIds: ReadonlySet<string>,
) {
  if (sentFolderIds.has(message.folderId)) return 'sent' as const;
  const from = message.from?.address.toLowerCase();
  return from && ownAddresses.has(from) ? ('sent' as const) : ('received' as const);
}

export function matchMessage(message: MailMessage, context: MatchContext): MatchResult {
  const participants = [message.from, ...message.to, ...message.cc, ...message.bcc]
    .filter((a): a is NonNullable<typeof a> => a !== undefined)
    .map((a) => a.address.trim().toLowerCase());

  // "Mail with these people is never synced, whoever else is on it": one blocked address anywhere
  // on the email keeps the whole email out (the user's own addresses are never theirs to block).
  for (const address of participants) {
    if (context.ownAddresses.has(address)) continue;
    const entry = blockedBy(address, context.blocklist);
    if (entry) {
      const who = entry === address ? address : `${address} (${entry})`;
      return { kind: 'skipped', reason: `blocked: ${who} is on your blocklist`, blockedBy: entry };
    }
  }

  if (
    context.skipInternalOnly &&
    participants.length > 0 &&
    participants.every((a) => context.ownAddresses.has(a) || context.internalDomains.has(domainOf(a)))
  ) {
    return { kind: 'skipped', reason: 'internal only: every participant is inside your organization' };
  }

  const toMatch = context.matchAllParticipants
    ? participants
    : context.direction === 'received'
      ? [message.from?.address.trim().toLowerCase()].filter((a): a is string => a !== undefined)
      : [...message.to, ...message.cc].map((a) => a.address.trim().toLowerCase());
  const notOwn = toMatch.filter((a) => !context.ownAddresses.has(a));

  const found = context.directory.lookup(notOwn);
  // Companies by domain, for addresses outside the agency: a new person at a client's domain links
  // to the client. Generic mail domains are never a company's (the directory leaves them out).
  const companies = context.linkCompanies
    ? context.directory.companiesByDomain(notOwn.map(domainOf).filter((d) => !context.internalDomains.has(d)))
    : [];
  if (found.candidates.length === 0 && found.contacts.length === 0 && companies.length === 0) {
    const who = context.direction === 'received' ? 'the sender' : 'the recipients';
    return { kind: 'no_match', reason: `no candidate or contact has the address of ${who}` };
  }
  return matchOf([...found.candidates, ...found.contacts, ...companies]);
}
