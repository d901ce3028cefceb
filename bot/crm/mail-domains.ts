/**
 * Domains where anyone can have an address: webmail and consumer providers. A company is never
 * known by one of these, so an email from there never links to a company by its domain (a
 * candidate writing from gmail.com is not "at" a client that once typed gmail.com as its domain).
 */
export const GENERIC_MAIL_DOMAINS: ReadonlySet<string> = new Set([
  'gmail.com',
  'googlemail.com',
  'outlook.com',
  'hotmail.com',
  'hotmail.co.uk',
  'live.com',
  'msn.com',
  'yahoo.com',
  'yahoo.co.uk',
  'ymail.com',
  'aol.com',
  'icloud.com',
  'me.com',
  'mac.com',
  'proton.me',
  'protonmail.com',
  'gmx.com',
  'gmx.de',
  'gmx.net',
  'web.de',
  'mail.com',
  'yandex.com',
  'yandex.ru',
  'zoho.com',
  'fastmail.com',
  'hey.com',
  'qq.com',
  '163.com',
  'naver.com',
  'orange.fr',
  'free.fr',
  'comcast.net',
  'verizon.net',
  'att.net',
]);

/** A company's own domain: lower case, no leading `@` or `www.`, and never a generic mail domain. */
export function companyDomain(raw: string): string | undefined {
  let domain = raw.trim().toLowerCase();
  if (domain.startsWith('@')) domain = domain.slice(1);
  if (domain.startsWith('www.')) domain = domain.slice(4);
  if (domain.length === 0 || domain.length > 253 || !domain.includes('.')) return undefined;
  return GENERIC_MAIL_DOMAINS.has(domain) ? undefined : domain;
}

/**
 * A domain and each of its parents, nearest first (`a.b.com`, `b.com`, `com`): what a `@domain`
 * entry or a company's domain is looked up by, so the work grows with the labels, not a list.
 */
export function* domainAndParents(domain: string): Generator<string> {
  let current = domain;
  for (;;) {
    yield current;
    const dot = current.indexOf('.');
    if (dot < 0) return;
    current = current.slice(dot + 1);
  }
}
