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
