/**
 * Writes the checked-in seed data: a recruiter's mailbox for the Microsoft 365 sandbox and the
 * built-in CRM's directory whose addresses match part of that mail. Deterministic (seeded), so
 * re-running it changes nothing unless this script changes. Run: `npm run fixtures`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

let seed = 20261120;
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const REFERENCE = Date.parse('2026-11-20T17:00:00Z');
const DAY = 86_400_000;
const at = (daysAgo: number) =>
  new Date(REFERENCE - daysAgo * DAY + Math.floor(random() * 8 * 3_600_000)).toISOString();

const TENANT = '7c3e1f5a-2b4d-4e6f-8a9b-0c1d2e3f4a5b';
const AGENCY_DOMAIN = 'northwindstaffing.com';
const FIRST = [
  'Ava',
  'Liam',
  'Maria',
  'Noah',
  'Priya',
  'Ethan',
  'Chloe',
  'Mateo',
  'Grace',
  'Omar',
  'Hannah',
  'Lucas',
  'Zoe',
  'Daniel',
  'Aisha',
  'Felix',
  'Isla',
  'Kenji',
  'Lena',
  'Marcus',
  'Nina',
  'Oscar',
  'Rosa',
  'Samir',
  'Tara',
  'Victor',
  'Wen',
  'Yusuf',
  'Elena',
  'Caleb',
];
const LAST = [
  'Nguyen',
  'Garcia',
  'Okafor',
  'Schmidt',
  'Patel',
  'Johansson',
  'Rossi',
  'Kim',
  'Silva',
  'Haddad',
  'Novak',
  'Walsh',
  'Tanaka',
  'Mensah',
  'Dubois',
  'Kowalski',
  'Reyes',
  'Brennan',
  'Adeyemi',
  'Larsen',
];
const PERSONAL = ['outlook.com', 'gmail.com', 'yahoo.com', 'icloud.com', 'proton.me'];
const COMPANIES = [
  ['Contoso Ltd', 'contoso.com', 'Manufacturing'],
  ['Fabrikam Inc', 'fabrikam.com', 'Software'],
  ['Adventure Works', 'adventure-works.com', 'Retail'],
  ['Tailspin Toys', 'tailspintoys.com', 'Consumer goods'],
  ['Wingtip Toys', 'wingtiptoys.com', 'Consumer goods'],
  ['Litware Inc', 'litwareinc.com', 'Software'],
  ['Proseware Inc', 'proseware.com', 'Healthcare IT'],
  ['Fourth Coffee', 'fourthcoffee.com', 'Hospitality'],
  ['Alpine Ski House', 'alpineskihouse.com', 'Leisure'],
  ['Woodgrove Bank', 'woodgrovebank.com', 'Financial services'],
] as const;
const ROLES = [
  'Senior Java Developer',
  'Registered Nurse',
  'Warehouse Supervisor',
  'Payroll Specialist',
  'DevOps Engineer',
  'Data Analyst',
  'Project Manager',
  'Forklift Operator',
  'Medical Coder',
  'Front-End Developer',
  'Customer Service Lead',
  'Electrician',
];
const TITLES = [
  'HR Manager',
  'Talent Acquisition Lead',
  'Hiring Manager',
  'VP Engineering',
  'Operations Director',
  'Recruiting Coordinator',
  'CFO',
];

type Person = { first: string; last: string };
const usedNames = new Set<string>();
function person(): Person {
  for (;;) {
    const p = { first: pick(FIRST), last: pick(LAST) };
    const key = `${p.first} ${p.last}`;
    if (!usedNames.has(key)) {
      usedNames.add(key);
      return p;
    }
  }
}
const phone = () => `+1 (${200 + Math.floor(random() * 700)}) 555-0${100 + Math.floor(random() * 899)}`;
const slug = (p: Person) => `${p.first}.${p.last}`.toLowerCase();

// --- CRM directory -------------------------------------------------------------------------------
const companies: Array<{ id: string; name: string; domain: string; industry: string; phone: string }> =
  COMPANIES.map(([name, domain, industry], i) => ({
    id: `company-${String(i + 1).padStart(3, '0')}`,
    name,
    domain,
    industry,
    phone: phone(),
  }));
companies.push({
  id: 'company-agency',
  name: 'Northwind Staffing',
  domain: AGENCY_DOMAIN,
  industry: 'Staffing',
  phone: phone(),
});

type Record_ = {
  id: string;
  firstName: string;
  lastName: string;
  emails: string[];
  phone: string;
  [k: string]: unknown;
};
const contacts: Record_[] = [];
const candidates: Record_[] = [];

companies.slice(0, 10).forEach((company, ci) => {
  for (let k = 0; k < 4; k++) {
    const p = person();
    const emails = [`${slug(p)}@${company.domain}`];
    if (k === 0 && ci % 3 === 0) emails.push(`${p.first[0]}${p.last}@${company.domain}`.toLowerCase());
    contacts.push({
      id: `contact-${String(contacts.length + 1).padStart(3, '0')}`,
      firstName: p.first,
      lastName: p.last,
      title: pick(TITLES),
      companyId: company.id,
      emails,
      phone: phone(),
    });
  }
});
// Colleagues of the recruiter: in the CRM (as contacts of the agency) but never a match for their own mail.
const colleagues = [
  { first: 'Jamie', last: 'Fox', title: 'Account Manager' },
  { first: 'Morgan', last: 'Blake', title: 'Recruiter' },
  { first: 'Alex', last: 'Chen', title: 'Branch Manager' },
  { first: 'Sasha', last: 'Ivanova', title: 'Payroll Administrator' },
];
for (const c of colleagues) {
  contacts.push({
    id: `contact-${String(contacts.length + 1).padStart(3, '0')}`,
    firstName: c.first,
    lastName: c.last,
    title: c.title,
    companyId: 'company-agency',
    emails: [`${c.first}.${c.last}@${AGENCY_DOMAIN}`.toLowerCase()],
    phone: phone(),
  });
}

for (let i = 0; i < 80; i++) {
  const p = person();
  const emails = [`${slug(p)}${i % 4 === 0 ? Math.floor(random() * 90 + 10) : ''}@${pick(PERSONAL)}`];
  candidates.push({
    id: `candidate-${String(i + 1).padStart(3, '0')}`,
    firstName: p.first,
    lastName: p.last,
    role: pick(ROLES),
    status: pick(['Active', 'Placed', 'Interviewing', 'New']),
    emails,
    phone: phone(),
    city: pick(['Seattle', 'Denver', 'Austin', 'Chicago', 'Atlanta', 'Boston', 'Phoenix']),
  });
}
// Addresses that differ only in case from what mail carries.
const caseCandidate = candidates[2] as Record_;
caseCandidate.emails = [
  (caseCandidate.emails[0] as string)
    .replace(/^./, (c) => c.toUpperCase())
    .replace('@', '@')
    .replace(/\.([a-z])/, (_, c: string) => `.${c.toUpperCase()}`),
];
// A candidate with three addresses: personal, old personal, and work.
const threeAddresses = candidates[5] as Record_;
threeAddresses.emails = [
  threeAddresses.emails[0] as string,
  `${String(threeAddresses.firstName).toLowerCase()}${String(threeAddresses.lastName).toLowerCase()}@hotmail.com`,
  `${String(threeAddresses.firstName).toLowerCase()}.${String(threeAddresses.lastName).toLowerCase()}@litwareinc.com`,
];
// Someone who is both a candidate and a contact: a hiring manager at Fabrikam who is also looking.
const both = contacts[4] as Record_;
candidates.push({
  id: `candidate-${String(candidates.length + 1).padStart(3, '0')}`,
  firstName: both.firstName,
  lastName: both.lastName,
  role: 'Engineering Manager',
  status: 'Interviewing',
  emails: [
    both.emails[0] as string,
    `${String(both.firstName).toLowerCase()}.${String(both.lastName).toLowerCase()}@outlook.com`,
  ],
  phone: both.phone,
  city: 'Seattle',
});

// --- Mailbox -------------------------------------------------------------------------------------
const recruiter = {
  id: '4f2b8c1e-9d3a-4b5c-8e7f-1a2b3c4d5e6f',
  displayName: 'Riley Morgan',
  givenName: 'Riley',
  surname: 'Morgan',
  mail: `riley.morgan@${AGENCY_DOMAIN}`,
  userPrincipalName: `riley.morgan@${AGENCY_DOMAIN}`,
  jobTitle: 'Senior Recruiter',
  officeLocation: 'Seattle',
  mobilePhone: '+1 (206) 555-0142',
  businessPhones: ['+1 (206) 555-0100'],
  preferredLanguage: 'en-US',
};
const second = {
  id: '8a1d2c3b-4e5f-4a6b-9c7d-2e3f4a5b6c7d',
  displayName: 'Sam Patel',
  givenName: 'Sam',
  surname: 'Patel',
  mail: `sam.patel@${AGENCY_DOMAIN}`,
  userPrincipalName: `sam.patel@${AGENCY_DOMAIN}`,
  jobTitle: 'Recruiter',
  officeLocation: 'Denver',
  businessPhones: ['+1 (303) 555-0110'],
  preferredLanguage: 'en-US',
};

const FOLDERS = [
  { key: 'inbox', displayName: 'Inbox', wellKnownName: 'inbox' },
  { key: 'inbox-candidates', displayName: 'Candidates', parent: 'inbox' },
  { key: 'inbox-clients', displayName: 'Clients', parent: 'inbox' },
  { key: 'inbox-newsletters', displayName: 'Newsletters', parent: 'inbox' },
  { key: 'inbox-clients-contoso', displayName: 'Contoso', parent: 'inbox-clients' },
  { key: 'sentitems', displayName: 'Sent Items', wellKnownName: 'sentitems' },
  { key: 'archive', displayName: 'Archive', wellKnownName: 'archive' },
  { key: 'deleteditems', displayName: 'Deleted Items', wellKnownName: 'deleteditems' },
  { key: 'junkemail', displayName: 'Junk Email', wellKnownName: 'junkemail' },
  { key: 'outbox', displayName: 'Outbox', wellKnownName: 'outbox' },
  { key: 'drafts', displayName: 'Drafts', wellKnownName: 'drafts' },
  { key: 'conversation-history', displayName: 'Conversation History', isHidden: true },
];

const addr = (name: string, address: string) => ({ emailAddress: { name, address } });
const me = addr(recruiter.displayName, recruiter.mail);
const nameOf = (r: Record_) => `${r.firstName} ${r.lastName}`;
const asRecipient = (r: Record_, which = 0) => addr(nameOf(r), r.emails[which] as string);

function pdf(text: string): string {
  const stream = `BT /F1 18 Tf 72 720 Td (${text.replace(/[()\\]/g, '')}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1').toString('base64');
}

type Msg = Record<string, unknown> & { key: string; folder: string };
const messages: Msg[] = [];
let n = 0;
function message(folder: string, spec: Record<string, unknown>): Msg {
  n++;
  const ownFolder = ['sentitems', 'outbox', 'drafts'].includes(folder);
  const m: Msg = {
    key: `m${String(n).padStart(4, '0')}`,
    folder,
    isRead: ownFolder || random() < 0.7,
    importance: 'normal',
    ...spec,
  };
  m.internetMessageId ??= `<${m.key}.${Math.floor(random() * 1e9)}@mail.${AGENCY_DOMAIN}>`;
  messages.push(m);
  return m;
}
const html = (paragraphs: string[]) => ({
  contentType: 'html',
  content: `<html><body>${paragraphs.map((p) => `<p>${p}</p>`).join('')}<p>-- <br>Sent from my phone</p></body></html>`,
});
const text = (paragraphs: string[]) => ({ contentType: 'text', content: paragraphs.join('\n\n') });

// Candidates writing in: applications, some with a PDF resume.
candidates.slice(0, 80).forEach((c, i) => {
  const folder = i % 3 === 0 ? 'inbox-candidates' : 'inbox';
  const withResume = i % 4 === 0;
  message(folder, {
    subject: withResume
      ? `Application: ${c.role} - ${nameOf(c)}`
      : pick([
          `Re: ${c.role} opening`,
          `Availability next week`,
          `Question about the ${c.role} role`,
          `Thank you for the interview`,
        ]),
    from: asRecipient(c, c.emails.length > 1 && i % 2 ? 1 : 0),
    toRecipients: [me],
    receivedDateTime: at(Math.floor(random() * 90)),
    body: (i % 2 ? html : text)([
      `Hi Riley,`,
      `I wanted to follow up regarding the ${c.role} position. I am available for a call ${pick(['Monday', 'Tuesday', 'Thursday'])} afternoon.`,
      `Best regards,`,
      nameOf(c),
    ]),
    ...(withResume
      ? {
          attachments: [
            {
              name: `${String(c.firstName)}_${String(c.lastName)}_Resume.pdf`,
              contentType: 'application/pdf',
              isInline: false,
              contentBytes: pdf(`Resume - ${nameOf(c)} - ${String(c.role)}`),
            },
          ],
        }
      : {}),
  });
});
// Case difference: the mail carries the lower-case address the CRM stores in mixed case.
message('inbox', {
  subject: 'Updated references',
  from: addr(nameOf(caseCandidate), (caseCandidate.emails[0] as string).toLowerCase()),
  toRecipients: [me],
  receivedDateTime: at(3),
  body: text(['Hi Riley, attached are my updated references.', nameOf(caseCandidate)]),
});
// Each address of the three-address candidate.
threeAddresses.emails.forEach((email, i) => {
  message('inbox', {
    subject: `Checking in (${i + 1})`,
    from: addr(nameOf(threeAddresses), email),
    toRecipients: [me],
    receivedDateTime: at(10 - i),
    body: text(['Just checking in on the status of my application.', nameOf(threeAddresses)]),
  });
});
// Client contacts: job requisitions, timesheets, interview feedback.
contacts.slice(0, 40).forEach((c, i) => {
  const company = companies.find((co) => co.id === c.companyId);
  const folder =
    company?.domain === 'contoso.com' ? 'inbox-clients-contoso' : i % 2 ? 'inbox-clients' : 'inbox';
  message(folder, {
    subject: pick([
      `New requisition: ${pick(ROLES)}`,
      'Interview feedback',
      'Timesheet approval',
      `Rates for ${new Date(REFERENCE).getUTCFullYear() + 1}`,
      'Can we meet this week?',
    ]),
    from: asRecipient(c),
    toRecipients: [me],
    ccRecipients: i % 5 === 0 ? [addr('Jamie Fox', `jamie.fox@${AGENCY_DOMAIN}`)] : [],
    receivedDateTime: at(Math.floor(random() * 100)),
    importance: i % 7 === 0 ? 'high' : 'normal',
    body: html([
      `Hello Riley,`,
      `Following up on our conversation about the open positions at ${company?.name ?? 'our company'}.`,
      `Thanks,`,
      nameOf(c),
      String(c.title),
    ]),
  });
});
// The person who is both candidate and contact.
message('inbox', {
  subject: 'Two things: a req and my own search',
  from: asRecipient(both),
  toRecipients: [me],
  receivedDateTime: at(2),
  body: text([
    'Riley, we have a new backend req; separately, I am open to a move myself. Can we talk?',
    nameOf(both),
  ]),
});
// Sent mail: to candidates and contacts, some with Cc to both kinds.
for (let i = 0; i < 70; i++) {
  const c = pick(candidates);
  const k = pick(contacts.slice(0, 40));
  const kind = i % 3;
  message('sentitems', {
    subject:
      kind === 0
        ? `Interview confirmed with ${pick(companies.slice(0, 10)).name}`
        : kind === 1
          ? `Candidate submittal: ${nameOf(c)}`
          : 'Following up',
    from: me,
    toRecipients: kind === 1 ? [asRecipient(k)] : [asRecipient(c)],
    ccRecipients: kind === 0 && i % 2 ? [asRecipient(k)] : [],
    bccRecipients: i % 10 === 0 ? [addr('Morgan Blake', `morgan.blake@${AGENCY_DOMAIN}`)] : [],
    receivedDateTime: at(Math.floor(random() * 90)),
    isRead: true,
    body: html([
      'Hi,',
      kind === 1
        ? `Please find ${nameOf(c)}'s profile for the open role.`
        : 'Confirming the details we discussed.',
      'Kind regards,',
      'Riley Morgan',
      'Northwind Staffing',
    ]),
  });
}
// A long thread with one candidate, alternating Inbox and Sent Items.
const threadCandidate = candidates[10] as Record_;
for (let i = 0; i < 12; i++) {
  const fromMe = i % 2 === 1;
  message(fromMe ? 'sentitems' : 'inbox', {
    subject: `${i ? 'RE: ' : ''}Offer details for ${String(threadCandidate.role)}`,
    from: fromMe ? me : asRecipient(threadCandidate),
    toRecipients: [fromMe ? asRecipient(threadCandidate) : me],
    conversationId: 'AAQkADlongthreadoffer0001',
    receivedDateTime: new Date(REFERENCE - (14 - i) * DAY).toISOString(),
    isRead: true,
    body: text([
      fromMe
        ? 'Thanks, I will check with the client and get back to you.'
        : 'Thanks Riley, a couple more questions about the offer.',
      `(message ${i + 1} of the thread)`,
    ]),
  });
}
// Internal-only threads among colleagues.
for (let i = 0; i < 18; i++) {
  const colleague = pick(contacts.filter((c) => c.companyId === 'company-agency'));
  const fromMe = i % 3 === 0;
  message(fromMe ? 'sentitems' : 'inbox', {
    subject: pick([
      'Team meeting notes',
      'Holiday rota',
      'Q4 placements dashboard',
      'Lunch on Friday?',
      'Desk move',
    ]),
    from: fromMe ? me : asRecipient(colleague),
    toRecipients: [fromMe ? asRecipient(colleague) : me],
    ccRecipients: i % 4 === 0 ? [addr('Alex Chen', `alex.chen@${AGENCY_DOMAIN}`)] : [],
    receivedDateTime: at(Math.floor(random() * 60)),
    body: text(['Quick internal note.', 'Thanks']),
  });
}
// Newsletters: no match, ever.
for (let i = 0; i < 22; i++) {
  const [name, address] = pick([
    ['Staffing Industry Weekly', 'newsletter@staffingweekly.example'],
    ['Job Board Digest', 'digest@jobboard.example'],
    ['HR Tech News', 'news@hrtech.example'],
  ] as const);
  message('inbox-newsletters', {
    subject: `${name}: issue ${100 + i}`,
    from: addr(name, address),
    toRecipients: [me],
    receivedDateTime: at(i * 4),
    body: html([
      `<b>${name}</b>`,
      'This week in staffing: wage trends, compliance updates and more.',
      '<a href="https://example.com/unsubscribe">Unsubscribe</a>',
    ]),
  });
}
// Archive: older conversations.
for (let i = 0; i < 30; i++) {
  const c = i % 2 ? pick(candidates) : pick(contacts.slice(0, 40));
  message('archive', {
    subject: pick([
      'Placement start date',
      'Background check complete',
      'Old requisition closed',
      'Reference check',
    ]),
    from: asRecipient(c),
    toRecipients: [me],
    receivedDateTime: at(100 + Math.floor(random() * 200)),
    isRead: true,
    body: text(['For your records.', nameOf(c)]),
  });
}
// Deleted Items, Junk Email, Outbox, Drafts.
for (let i = 0; i < 10; i++) {
  const c = pick(candidates);
  message('deleteditems', {
    subject: 'Old: Re: availability',
    from: asRecipient(c),
    toRecipients: [me],
    receivedDateTime: at(20 + i),
    body: text(['Never mind, found something.']),
  });
}
for (let i = 0; i < 10; i++) {
  message('junkemail', {
    subject: pick(['You have won!!!', 'Cheap leads for recruiters', 'Urgent: verify your account']),
    from: addr('Promo', `promo${i}@spam.example`),
    toRecipients: [me],
    receivedDateTime: at(i),
    body: html(['Click here now']),
  });
}
// Junk from a real candidate's address: still never synced automatically.
message('junkemail', {
  subject: 'Re: my application',
  from: asRecipient(candidates[1] as Record_),
  toRecipients: [me],
  receivedDateTime: at(1),
  body: text(['Did you get my last email?']),
});
for (let i = 0; i < 2; i++) {
  message('outbox', {
    subject: 'Sending: interview slot',
    from: me,
    toRecipients: [asRecipient(pick(candidates))],
    receivedDateTime: at(0),
    isRead: true,
    body: text(['Does 3pm work?']),
  });
}
for (let i = 0; i < 3; i++) {
  message('drafts', {
    subject: 'Draft: offer letter',
    from: me,
    toRecipients: [asRecipient(pick(candidates))],
    receivedDateTime: at(0),
    isRead: true,
    isDraft: true,
    body: text(['(draft)']),
  });
}
// An attachment over the default 25 MB limit (its bytes are generated by the sandbox on request).
message('inbox', {
  subject: 'Portfolio and video introduction',
  from: asRecipient(candidates[7] as Record_),
  toRecipients: [me],
  receivedDateTime: at(4),
  body: text(['Hi Riley, my portfolio and an intro video are attached.']),
  attachments: [
    { name: 'intro-video.mp4', contentType: 'video/mp4', isInline: false, size: 31_457_280 },
    {
      name: 'portfolio.pdf',
      contentType: 'application/pdf',
      isInline: false,
      contentBytes: pdf('Portfolio'),
    },
  ],
});

// The second recruiter: a small mailbox, for per-user isolation.
const secondMessages: Msg[] = [];
for (let i = 0; i < 20; i++) {
  const c = pick(candidates);
  secondMessages.push({
    key: `s${String(i + 1).padStart(4, '0')}`,
    folder: i % 4 === 0 ? 'sentitems' : 'inbox',
    subject: `Denver roles (${i + 1})`,
    from: i % 4 === 0 ? addr(second.displayName, second.mail) : asRecipient(c),
    toRecipients: [i % 4 === 0 ? asRecipient(c) : addr(second.displayName, second.mail)],
    receivedDateTime: at(i),
    isRead: false,
    importance: 'normal',
    internetMessageId: `<s${i}@mail.${AGENCY_DOMAIN}>`,
    body: text(['Hello from Denver.']),
  });
}

const mailbox = {
  tenantId: TENANT,
  users: [
    { ...recruiter, folders: FOLDERS, messages },
    { ...second, folders: FOLDERS.filter((f) => !f.parent), messages: secondMessages },
  ],
};
const crm = { tenantId: TENANT, companies, contacts, candidates };

const root = join(import.meta.dirname, '..', 'fixtures');
writeFileSync(join(root, 'sandbox', 'mailbox.json'), `${JSON.stringify(mailbox, null, 1)}\n`);
writeFileSync(join(root, 'crm', 'directory.json'), `${JSON.stringify(crm, null, 1)}\n`);
console.log(
  `mailbox: ${messages.length + secondMessages.length} messages; crm: ${companies.length} companies, ${contacts.length} contacts, ${candidates.length} candidates`,
);
