import assert from 'node:assert/strict';
import { BuiltinCrm } from '../../bot/crm/builtin-crm.ts';
import type { Directory } from '../../bot/crm/crm.port.ts';
import { FileAttachmentStore } from '../../bot/crm/file-attachment-store.ts';
import type { MailMessage } from '../../bot/mail-source/mail-source.port.ts';
import { ALL_CONTAINERS } from '../../bot/store/containers.ts';
import { SqliteStore } from '../../bot/store/sqlite-store.ts';
import { type MatchContext, directionOf, isBlocked, matchMessage } from '../../bot/sync/matching.ts';

const ME = 'riley.morgan@northwindstaffing.com';
const tenant = 'tenant-match';

function message(from: string, to: string[], cc: string[] = [], folderId = 'inbox'): MailMessage {
  const a = (address: string) => ({ name: address, address });
  return {
    id: 'm',
    folderId,
    subject: 's',
    from: a(from),
    to: to.map(a),
    cc: cc.map(a),
    bcc: [],
    receivedAt: '2026-11-01T00:00:00Z',
    isDraft: false,
    hasAttachments: false,
  };
}

describe('matching', () => {
  let directory: Directory;

  before(async () => {
    const store = new SqliteStore({ path: ':memory:', purgeIntervalMs: 0 });
    await store.init(ALL_CONTAINERS);
    const crm = new BuiltinCrm({
      store,
      attachments: new FileAttachmentStore('/tmp/unused'),
      appUrl: 'http://x',
    });
    await crm.importDirectory(tenant, {
      companies: [
        { id: 'co-1', name: 'Contoso', domain: 'contoso.com' },
        { id: 'co-webmail', name: 'Typed gmail as its domain', domain: 'gmail.com' },
      ],
      candidates: [
        { id: 'cand-ava', firstName: 'Ava', lastName: 'Kim', emails: ['Ava.Kim@Outlook.com'] },
        {
          id: 'cand-three',
          firstName: 'Omar',
          lastName: 'Three',
          emails: ['omar@icloud.com', 'omar.t@hotmail.com', 'omar@litwareinc.com'],
        },
        {
          id: 'cand-both',
          firstName: 'Victor',
          lastName: 'Both',
          emails: ['victor@fabrikam.com', 'victor@outlook.com'],
        },
        { id: 'cand-sub', firstName: 'Sub', lastName: 'Domain', emails: ['sub@eu.blocked.com'] },
      ],
      contacts: [
        {
          id: 'con-lee',
          firstName: 'Jordan',
          lastName: 'Lee',
          emails: ['jordan.lee@contoso.com'],
          companyId: 'co-1',
        },
        { id: 'con-both', firstName: 'Victor', lastName: 'Both', emails: ['victor@fabrikam.com'] },
        {
          id: 'con-colleague',
          firstName: 'Jamie',
          lastName: 'Fox',
          emails: ['jamie.fox@northwindstaffing.com'],
        },
        { id: 'con-blocked', firstName: 'Block', lastName: 'Ed', emails: ['ceo@blocked.com'] },
      ],
    });
    directory = await crm.directory(tenant);
  });

  const context = (over: Partial<MatchContext> = {}): MatchContext => ({
    direction: 'received',
    ownAddresses: new Set([ME]),
    internalDomains: new Set(['northwindstaffing.com']),
    matchAllParticipants: false,
    skipInternalOnly: true,
    blocklist: [],
    directory,
    ...over,
  });

  const cases: Array<{
    name: string;
    msg: MailMessage;
    ctx?: Partial<MatchContext>;
    expect: string;
    ids?: string[];
  }> = [
    {
      name: 'received from a candidate',
      msg: message('ava.kim@outlook.com', [ME]),
      expect: 'Cand',
      ids: ['cand-ava'],
    },
    {
      name: 'case differences in the address',
      msg: message('AVA.KIM@OUTLOOK.COM', [ME]),
      expect: 'Cand',
      ids: ['cand-ava'],
    },
    {
      name: 'received from a contact',
      msg: message('jordan.lee@contoso.com', [ME]),
      expect: 'Con',
      ids: ['con-lee'],
    },
    {
      name: 'a person who is both candidate and contact: CandCon',
      msg: message('victor@fabrikam.com', [ME]),
      expect: 'CandCon',
      ids: ['cand-both', 'con-both'],
    },
    {
      name: 'any of a record’s three addresses',
      msg: message('omar.t@hotmail.com', [ME]),
      expect: 'Cand',
      ids: ['cand-three'],
    },
    {
      name: 'received mail matches the sender only, not other recipients',
      msg: message('stranger@example.com', [ME, 'ava.kim@outlook.com']),
      expect: 'no_match',
    },
    {
      name: 'sent mail matches To and Cc',
      msg: message(ME, ['ava.kim@outlook.com'], ['jordan.lee@contoso.com']),
      ctx: { direction: 'sent' },
      expect: 'CandCon',
      ids: ['cand-ava', 'con-lee'],
    },
    {
      name: 'sent mail ignores the sender (the user)',
      msg: message(ME, ['stranger@example.com']),
      ctx: { direction: 'sent' },
      expect: 'no_match',
    },
    {
      name: 'every participant when the setting asks for it',
      msg: message('stranger@example.com', [ME], ['ava.kim@outlook.com']),
      ctx: { matchAllParticipants: true },
      expect: 'Cand',
      ids: ['cand-ava'],
    },
    {
      name: 'the user’s own addresses never match, even when in the CRM',
      msg: message(ME, ['jamie.fox@northwindstaffing.com', 'ava.kim@outlook.com']),
      ctx: { direction: 'sent', ownAddresses: new Set([ME, 'jamie.fox@northwindstaffing.com']) },
      expect: 'Cand',
      ids: ['cand-ava'],
    },
    {
      name: 'internal-only threads are skipped by default',
      msg: message('jamie.fox@northwindstaffing.com', [ME]),
      expect: 'skipped:internal',
    },
    {
      name: 'internal-only threads match when the rule is off',
      msg: message('jamie.fox@northwindstaffing.com', [ME]),
      ctx: { skipInternalOnly: false },
      expect: 'Con',
      ids: ['con-colleague'],
    },
    {
      name: 'a blocklisted address is skipped',
      msg: message('ava.kim@outlook.com', [ME]),
      ctx: { blocklist: ['ava.kim@outlook.com'] },
      expect: 'skipped:blocked',
    },
    {
      name: 'a blocklisted @domain is skipped',
      msg: message('ceo@blocked.com', [ME]),
      ctx: { blocklist: ['@blocked.com'] },
      expect: 'skipped:blocked',
    },
    {
      name: 'a blocklisted @domain covers its subdomains',
      msg: message('sub@eu.blocked.com', [ME]),
      ctx: { blocklist: ['@blocked.com'] },
      expect: 'skipped:blocked',
    },
    {
      name: 'a blocklisted @domain does not cover look-alike domains',
      msg: message('ava.kim@outlook.com', [ME]),
      ctx: { blocklist: ['@look.com'] },
      expect: 'Cand',
      ids: ['cand-ava'],
    },
    {
      name: 'sent mail with a blocked recipient is kept out whole, whoever else is on it',
      msg: message(ME, ['ceo@blocked.com', 'jordan.lee@contoso.com']),
      ctx: { direction: 'sent', blocklist: ['@blocked.com'] },
      expect: 'skipped:blocked: ceo@blocked.com \\(@blocked.com\\) is on your blocklist',
    },
    {
      name: 'a candidate’s email with a blocked address in Cc is kept out whole',
      msg: message('ava.kim@outlook.com', [ME], ['hr@blocked.com']),
      ctx: { blocklist: ['@blocked.com'] },
      expect: 'skipped:blocked: hr@blocked.com',
    },
    {
      name: 'a blocked address in Bcc keeps the email out too',
      msg: { ...message(ME, ['ava.kim@outlook.com']), bcc: [{ name: 'x', address: 'spy@eu.blocked.com' }] },
      ctx: { direction: 'sent', blocklist: ['@blocked.com'] },
      expect: 'skipped:blocked: spy@eu.blocked.com',
    },
    {
      name: 'the user’s own address is never blocked, even when listed',
      msg: message('ava.kim@outlook.com', [ME]),
      ctx: { blocklist: [ME] },
      expect: 'Cand',
      ids: ['cand-ava'],
    },
    {
      name: 'a new person at a client’s domain links to the client when asked',
      msg: message('new.hire@contoso.com', [ME]),
      ctx: { linkCompanies: true },
      expect: 'company',
      ids: ['co-1'],
    },
    {
      name: 'a subdomain of a client’s domain links to it too',
      msg: message('someone@uk.contoso.com', [ME]),
      ctx: { linkCompanies: true },
      expect: 'company',
      ids: ['co-1'],
    },
    {
      name: 'a contact at a client’s domain links to both when asked',
      msg: message('jordan.lee@contoso.com', [ME]),
      ctx: { linkCompanies: true },
      expect: 'Con',
      ids: ['co-1', 'con-lee'],
    },
    {
      name: 'no company by domain unless the user asked for it',
      msg: message('new.hire@contoso.com', [ME]),
      expect: 'no_match',
    },
    {
      name: 'a generic mail domain never links to a company, whatever the CRM says',
      msg: message('stranger@gmail.com', [ME]),
      ctx: { linkCompanies: true },
      expect: 'no_match',
    },
    {
      name: 'no record has the address',
      msg: message('newsletter@staffingweekly.example', [ME]),
      expect: 'no_match',
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const result = matchMessage(c.msg, context(c.ctx));
      if (c.expect.startsWith('no_match') || c.expect.startsWith('skipped')) {
        const [kind, ...rest] = c.expect.split(':');
        assert.equal(result.kind, kind);
        const reason = rest.join(':');
        if (reason && result.kind !== 'matched') assert.match(result.reason, new RegExp(`^${reason}`));
        return;
      }
      assert.equal(result.kind, 'matched');
      if (result.kind !== 'matched') return;
      assert.equal(result.linkType, c.expect === 'company' ? undefined : c.expect);
      assert.deepEqual(
        [...result.candidates, ...result.contacts, ...(result.companies ?? [])]
          .map((m) => m.record.id)
          .sort(),
        [...(c.ids ?? [])].sort(),
      );
    });
  }

  it('tells sent from received by the Sent Items folder or the user’s own sender address', () => {
    const own = new Set([ME]);
    assert.equal(directionOf(message('a@b.com', [ME], [], 'sent-id'), own, new Set(['sent-id'])), 'sent');
    assert.equal(directionOf(message(ME, ['a@b.com']), own, new Set()), 'sent');
    assert.equal(directionOf(message('a@b.com', [ME]), own, new Set()), 'received');
  });

  it('blocks exact addresses and whole domains only', () => {
    assert.equal(isBlocked('x@a.b.example.com', ['@example.com']), true);
    assert.equal(isBlocked('x@notexample.com', ['@example.com']), false);
    assert.equal(isBlocked('x@example.com', ['y@example.com']), false);
  });
});
