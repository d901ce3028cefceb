/** Deterministic synthetic data for benchmarks: a large mailbox and a large CRM directory. */

export function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const BENCH_TENANT = '0b9e8d7c-6b5a-4f3e-8d2c-1b0a9f8e7d6c';
export const BENCH_USER = {
  id: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
  displayName: 'Bench Recruiter',
  mail: 'bench.recruiter@benchstaffing.com',
  userPrincipalName: 'bench.recruiter@benchstaffing.com',
};

export function directory(records: number) {
  const candidates = [];
  const contacts = [];
  const companies = Array.from({ length: 200 }, (_, i) => ({
    id: `co-${i}`,
    name: `Company ${i}`,
    domain: `company${i}.example`,
  }));
  for (let i = 0; i < records; i++) {
    if (i % 5 < 3) {
      candidates.push({
        id: `cand-${i}`,
        firstName: `Cand${i}`,
        lastName: 'Person',
        emails: [`cand${i}@mail.example`, `Cand${i}.Alt@Other.example`],
      });
    } else {
      contacts.push({
        id: `con-${i}`,
        firstName: `Con${i}`,
        lastName: 'Person',
        emails: [`con${i}@company${i % 200}.example`],
        companyId: `co-${i % 200}`,
      });
    }
  }
  return { tenantId: BENCH_TENANT, companies, candidates, contacts };
}

/** A mailbox fixture (the sandbox's format) with `count` messages, 70% of them matching a record. */
export function mailbox(count: number, records: number) {
  const random = rng(42);
  const me = { emailAddress: { name: BENCH_USER.displayName, address: BENCH_USER.mail } };
  const messages = [];
  const start = Date.parse('2026-01-01T00:00:00Z');
  for (let i = 0; i < count; i++) {
    const r = Math.floor(random() * records);
    const known = random() < 0.7;
    const address = !known
      ? `stranger${i}@elsewhere.example`
      : r % 5 < 3
        ? `cand${r}@mail.example`
        : `con${r}@company${r % 200}.example`;
    const sent = i % 4 === 0;
    const other = { emailAddress: { name: `Person ${r}`, address } };
    messages.push({
      key: `b${i}`,
      folder: sent ? 'sentitems' : 'inbox',
      subject: `Bench message ${i}`,
      from: sent ? me : other,
      toRecipients: [sent ? other : me],
      receivedDateTime: new Date(start + i * 60_000).toISOString(),
      internetMessageId: `<bench-${i}@bench.example>`,
      isRead: true,
      body: {
        contentType: 'text',
        content: `Hello,\n\n${'This is a realistic paragraph of an email body. '.repeat(12)}\n\nRegards`,
      },
    });
  }
  return {
    tenantId: BENCH_TENANT,
    users: [
      {
        ...BENCH_USER,
        folders: [
          { key: 'inbox', displayName: 'Inbox', wellKnownName: 'inbox' },
          { key: 'sentitems', displayName: 'Sent Items', wellKnownName: 'sentitems' },
          { key: 'deleteditems', displayName: 'Deleted Items', wellKnownName: 'deleteditems' },
          { key: 'junkemail', displayName: 'Junk Email', wellKnownName: 'junkemail' },
          { key: 'outbox', displayName: 'Outbox', wellKnownName: 'outbox' },
          { key: 'drafts', displayName: 'Drafts', wellKnownName: 'drafts' },
          { key: 'archive', displayName: 'Archive', wellKnownName: 'archive' },
        ],
        messages,
      },
    ],
  };
}

/**
 * An HTML email body as recruiters get them: a short message over a quoted thread, a signature
 * and its disclaimer; about 20 to 60 KB, varied by `random`.
 */
export function htmlBody(random: () => number, text: string): string {
  const quoted = Array.from(
    { length: 8 + Math.floor(random() * 24) },
    (_, i) =>
      `<div style="border-left:2px solid #ccc;padding-left:8px;margin:8px 0"><p style="font-family:Calibri,sans-serif;font-size:11pt">On Mon, ${i + 1} Jun, someone wrote:</p>` +
      `<p style="font-family:Calibri,sans-serif;font-size:11pt">${'Thanks for the update on the role and the next steps with the client. '.repeat(12)}</p></div>`,
  ).join('');
  const signature =
    '<table style="font-family:Calibri,sans-serif;font-size:9pt;color:#444"><tr><td><b>Recruiter</b><br>Northwind Staffing | +1 555 0100<br>' +
    `${'This message is confidential and intended only for the named recipient. '.repeat(6)}</td></tr></table>`;
  return `<html><head><style>p{margin:0}</style></head><body><p>${text}</p>${quoted}${signature}</body></html>`;
}

/**
 * Mailboxes of `users` recruiters in the sandbox tenant (the CRM directory the app seeds there), each
 * with `perUser` Inbox emails from that directory's candidates and contacts, HTML bodies of tens of KB.
 */
export function recruiterMailboxes(
  users: number,
  perUser: number,
  directory: {
    tenantId: string;
    candidates: Array<{ emails: string[] }>;
    contacts: Array<{ emails: string[] }>;
  },
) {
  const random = rng(7);
  // People outside the agency: internal-only mail is (rightly) not synced by default.
  const people = [...directory.candidates, ...directory.contacts]
    .map((r) => r.emails[0]!)
    .filter((a) => !a.endsWith('@northwindstaffing.com'));
  return {
    tenantId: directory.tenantId,
    users: Array.from({ length: users }, (_, u) => {
      const mail = `recruiter${u}@northwindstaffing.com`;
      return {
        id: `00000000-0000-4000-8000-${String(u).padStart(12, '0')}`,
        displayName: `Recruiter ${u}`,
        mail,
        userPrincipalName: mail,
        folders: [
          { key: 'inbox', displayName: 'Inbox', wellKnownName: 'inbox' as const },
          { key: 'sentitems', displayName: 'Sent Items', wellKnownName: 'sentitems' as const },
        ],
        messages: Array.from({ length: perUser }, (_, i) => {
          const address = people[Math.floor(random() * people.length)]!;
          return {
            key: `u${u}m${i}`,
            folder: 'inbox',
            subject: `Re: the role, message ${i}`,
            from: { emailAddress: { name: address, address } },
            toRecipients: [{ emailAddress: { name: `Recruiter ${u}`, address: mail } }],
            receivedDateTime: new Date(Date.parse('2026-06-01T00:00:00Z') + i * 60_000).toISOString(),
            internetMessageId: `<u${u}m${i}@outlook.bench>`,
            body: { contentType: 'html' as const, content: htmlBody(random, `Hello, message ${i}.`) },
          };
        }),
      };
    }),
  };
}

/**
 * The benchmark recruiter's Outlook items (the sandbox's items fixture): `contacts` contacts in
 * five folders (40% already CRM contacts by address, some sharing an address with another),
 * `events` single appointments spread from 300 days back to 150 ahead with one to three attendees
 * (two in three of them CRM people), and `tasks` To Do tasks in three lists (half naming a
 * candidate's address). Deterministic.
 */
export function items(counts: { contacts: number; events: number; tasks: number }, records: number) {
  const random = rng(99);
  const person = (r: number) => (r % 5 < 3 ? `cand${r}@mail.example` : `con${r}@company${r % 200}.example`);
  const someone = () =>
    random() < 2 / 3
      ? person(Math.floor(random() * records))
      : `guest${Math.floor(random() * 1e6)}@guests.example`;
  const contactFolders = ['Clients', 'Candidates', 'Vendors', 'Old'].map((name) => ({
    key: name,
    displayName: name,
  }));
  const contacts = Array.from({ length: counts.contacts }, (_, i) => {
    const r = Math.floor(random() * records);
    const known = i % 5 < 2;
    const address = known
      ? `con${r - (r % 5) + 3}@company${(r - (r % 5) + 3) % 200}.example`
      : `outlook${i}@people${i % 300}.example`;
    return {
      key: `bc${i}`,
      folder: i % 5 === 0 ? 'contacts' : contactFolders[i % 4]!.key,
      displayName: `Outlook Person ${i}`,
      givenName: 'Outlook',
      surname: `Person ${i}`,
      emailAddresses: [{ name: `Outlook Person ${i}`, address }],
      companyName: `Company ${i % 200}`,
      jobTitle: i % 3 === 0 ? 'Hiring Manager' : 'Engineer',
      businessPhones: [`+1 206 555 ${String(i % 10000).padStart(4, '0')}`],
    };
  });
  const events = Array.from({ length: counts.events }, (_, i) => ({
    key: `be${i}`,
    day: -300 + Math.floor((i / counts.events) * 450),
    time: `${String(8 + (i % 9)).padStart(2, '0')}:${i % 2 ? '30' : '00'}`,
    minutes: 30 + (i % 3) * 15,
    subject: `Interview ${i}`,
    attendees: Array.from({ length: 1 + (i % 3) }, () => ({
      type: 'required' as const,
      emailAddress: { name: 'Attendee', address: someone() },
    })),
    body: {
      contentType: 'html' as const,
      content: `<p>Agenda for interview ${i}: ${'the role, the team, next steps. '.repeat(6)}</p>`,
    },
  }));
  const taskLists = [
    { key: 'Placements', displayName: 'Placements' },
    { key: 'Sourcing', displayName: 'Sourcing' },
  ];
  const lists = ['defaultList', 'Placements', 'Sourcing'];
  const tasks = Array.from({ length: counts.tasks }, (_, i) => ({
    key: `bt${i}`,
    list: lists[i % 3]!,
    title: i % 2 === 0 ? `Call ${person(Math.floor(random() * records))} about the offer` : `Task ${i}`,
    importance: (['low', 'normal', 'high'] as const)[i % 3],
    due: { day: -30 + (i % 90) },
    body: { contentType: 'text' as const, content: `Notes for task ${i}.` },
  }));
  return {
    users: [{ user: BENCH_USER.id, contactFolders, contacts, taskLists, tasks, events }],
  };
}
