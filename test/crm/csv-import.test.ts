import assert from 'node:assert/strict';
import { importFixture, previewImport } from '../../bot/crm/csv-import.ts';
import type { CrmRecord } from '../../bot/crm/crm.port.ts';

const ada: CrmRecord = {
  id: 'cand-1',
  type: 'candidate',
  name: 'Ada Lovelace',
  emails: ['Ada@Analytical.example'],
};
const acme: CrmRecord = { id: 'co-1', type: 'company', name: 'Acme', emails: [] };
const directory = {
  records: [ada, acme],
  get: (id: string) => [ada, acme].find((r) => r.id === id),
  lookup: (addresses: readonly string[]) => ({
    candidates: addresses.some((a) => a.toLowerCase() === 'ada@analytical.example')
      ? [{ record: ada, address: 'x' }]
      : [],
    contacts: [],
  }),
  companiesByDomain: () => [],
};

describe('CSV import of candidates and contacts', () => {
  it('accepts common header spellings, quoted fields and a byte-order mark', () => {
    const csv =
      '\uFEFFRecord Type;x\n'.replace(';x', ',First_Name,LAST NAME,E-mail,Job Title,Company\n') +
      'contact,"Grace ""Amazing""",Hopper,grace@navy.example,CTO,Acme\n';
    const { rows, errors } = previewImport(csv, directory);
    assert.deepEqual(errors, []);
    assert.equal(rows[0]!.firstName, 'Grace "Amazing"');
    assert.equal(rows[0]!.role, 'CTO');
    assert.equal(rows[0]!.action, 'add');
  });

  it('updates the record that has the address instead of adding a duplicate, keeping its other addresses', () => {
    const { rows } = previewImport(
      'type,first,last,email\ncandidate,Ada,King,ada@analytical.example;ada@new.example\n',
      directory,
    );
    assert.equal(rows[0]!.action, 'update');
    assert.equal(rows[0]!.id, 'cand-1');
    const fixture = importFixture(rows, directory);
    assert.deepEqual(fixture.candidates[0]!.emails, ['Ada@Analytical.example', 'ada@new.example']);
  });

  it('links contacts to an existing company by name and adds a company it does not know once', () => {
    const { rows } = previewImport(
      'type,first,last,email,company\ncontact,A,B,a@b.example,ACME\ncontact,C,D,c@d.example,Globex\ncontact,E,F,e@f.example,globex\n',
      directory,
    );
    const fixture = importFixture(rows, directory);
    assert.equal(fixture.contacts[0]!.companyId, 'co-1');
    assert.equal(fixture.companies.length, 1);
    assert.equal(fixture.contacts[1]!.companyId, fixture.contacts[2]!.companyId);
  });

  it('reports a duplicate row in the same file and a file that is not CSV', () => {
    const dup = previewImport(
      'type,first,last,email\ncontact,A,B,a@b.example\ncontact,A,B,A@b.example\n',
      directory,
    );
    assert.deepEqual(dup.errors, [
      { line: 3, field: 'email', message: 'same contact and address as line 2' },
    ]);
    const broken = previewImport('type,first,last,email\n"unterminated,a,b,c\n', directory);
    assert.equal(broken.errors[0]!.field, 'file');
  });
});
