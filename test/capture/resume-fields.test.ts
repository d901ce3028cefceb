import assert from 'node:assert/strict';
import { findEmails, findLinks, findPhones } from '../../bot/capture/contact-finders.ts';
import { findFields } from '../../bot/capture/resume-fields.ts';
import { SkillIndex } from '../../bot/capture/skills-finder.ts';
import { loadSkills } from '../../bot/capture/skills.ts';

const read = (text: string, defaultCountry?: string) =>
  findFields(text, {
    skills: ['Python', 'Machine Learning', 'C++', 'C#', '.NET', 'Node.js', 'R', 'Java'],
    ...(defaultCountry ? { defaultCountry } : {}),
  });

describe('resume field finders', () => {
  it('takes the first line that reads as a name, with where it was found', () => {
    const r = read('\n  Jane Doe\nSenior Engineer at Contoso\njane@example.com');
    assert.deepEqual(r.name, { value: 'Jane Doe', confidence: 0.9, source: { start: 3, end: 11 } });
  });

  it('prefers a "Name:" label, gives names in capitals in title case, and skips a title-first headline', () => {
    assert.equal(read('Curriculum Vitae\nName: Ana de la Cruz\nEmail: a@b.co').name?.value, 'Ana de la Cruz');
    assert.equal(read("LIAM O'CONNOR\nNurse").name?.value, "Liam O'Connor");
    const titleFirst = read('SENIOR DATA ANALYST\nPriya Patel\npriya@example.com');
    assert.equal(titleFirst.name?.value, 'Priya Patel');
    assert.equal(titleFirst.title?.value, 'SENIOR DATA ANALYST');
  });

  it('leaves the name empty when no line reads as one', () => {
    assert.equal(read('EXPERIENCE\nBuilt things at 3 companies.\n2019 - 2021').name, undefined);
  });

  it('finds addresses, each once, and invents none when there is none', () => {
    assert.deepEqual(
      findEmails(
        'mailto:Jane.Doe@Example.com, jane.doe@example.com; x@y, @@@, a@b.c, bob@mail.example.org.',
      ).map((e) => e.value),
      ['Jane.Doe@Example.com', 'bob@mail.example.org'],
    );
    assert.deepEqual(read('Jane Doe\nPhone: (206) 555-0142').emails, []);
  });

  it('normalises phones to E.164: with the default country, from a +code, or from the location', () => {
    assert.deepEqual(
      findPhones('Tel: (206) 555-0142', 'US').map((p) => p.value),
      [{ raw: '(206) 555-0142', e164: '+12065550142' }],
    );
    assert.deepEqual(
      findPhones('+44 20 7946 0958').map((p) => p.value.e164),
      ['+442079460958'],
    );
    assert.deepEqual(
      read('Jane Doe\nLondon, UK\n020 7946 0958').phones.map((p) => p.value.e164),
      ['+442079460958'],
    );
    assert.deepEqual(
      read('Jane Doe\nBerlin, Germany | 030 12345678').phones.map((p) => p.value.e164),
      ['+493012345678'],
    );
    assert.deepEqual(
      findPhones('Seattle, WA 98101 (206) 555-0142', 'US').map((p) => p.value.e164),
      ['+12065550142'],
    );
  });

  it('keeps a phone with no country as written, without an E.164 it cannot know', () => {
    const [phone] = findPhones('call 98765 43210');
    assert.deepEqual(phone?.value, { raw: '98765 43210' });
    assert.ok(phone!.confidence < 0.5);
  });

  it('does not take dates, years or postcodes for phones', () => {
    assert.deepEqual(findPhones('Jan 2019 - Dec 2021, 2015 - 2019, 98101, v1.2.3.4', 'US'), []);
  });

  it('finds the location near the top, without its postcode', () => {
    assert.equal(read('Jane Doe\nSeattle, WA 98101 | jane@example.com').location?.value, 'Seattle, WA');
    assert.equal(
      read('Jane Doe\nLocation: Pune, Maharashtra, India').location?.value,
      'Pune, Maharashtra, India',
    );
    assert.equal(read('Jane Doe\nSome Street 5').location, undefined);
  });

  it('reads the current title and employer from a headline, labels, or the latest role', () => {
    const headline = read('Jane Doe\nSenior Engineer at Contoso Ltd\n');
    assert.deepEqual([headline.title?.value, headline.employer?.value], ['Senior Engineer', 'Contoso Ltd']);
    const labels = read('Name: Jane Doe\nCurrent title: Staff Nurse\nEmployer: Riverside Clinic');
    assert.deepEqual([labels.title?.value, labels.employer?.value], ['Staff Nurse', 'Riverside Clinic']);
    const history = read(
      'Jane Doe\n\nEXPERIENCE\nFabrikam, Inc.\nData Analyst\n2015 - 2019\n• Built reports for the sales team every week.\n\nContoso Ltd, London\nSenior Data Analyst\nMar 2019 - Present\n',
    );
    assert.deepEqual([history.title?.value, history.employer?.value], ['Senior Data Analyst', 'Contoso Ltd']);
    assert.deepEqual(
      history.history.map((h) => [h.title, h.employer, h.start, h.end]),
      [
        ['Data Analyst', 'Fabrikam, Inc.', '2015', '2019'],
        ['Senior Data Analyst', 'Contoso Ltd', 'Mar 2019', 'Present'],
      ],
    );
  });

  it('leaves title and employer empty when the text does not state them', () => {
    const r = read('Jane Doe\njane@example.com\n\nHOBBIES\nHiking');
    assert.equal(r.title, undefined);
    assert.equal(r.employer, undefined);
  });

  it('reads education: school, degree and year', () => {
    const r = read(
      'Jane Doe\n\nEDUCATION\nBSc Computer Science, University of Leeds, 2015\nMBA\nESSEC Business School\n2020',
    );
    assert.deepEqual(
      r.education.map((e) => [e.institution, e.degree, e.year]),
      [
        ['University of Leeds', 'BSc Computer Science', '2015'],
        ['ESSEC Business School', 'MBA', '2020'],
      ],
    );
  });

  it('finds LinkedIn and GitHub anywhere, a portfolio in the header or after a label', () => {
    const text =
      'Jane Doe\nlinkedin.com/in/jane · https://github.com/jdoe · https://jane.dev\n\nEXPERIENCE\nsee www.contoso.com\nPortfolio: https://jane.art/work.';
    assert.deepEqual(
      findLinks(text, text.indexOf('EXPERIENCE')).map((l) => l.value),
      [
        { kind: 'linkedin', url: 'https://linkedin.com/in/jane' },
        { kind: 'github', url: 'https://github.com/jdoe' },
        { kind: 'portfolio', url: 'https://jane.dev' },
        { kind: 'portfolio', url: 'https://jane.art/work' },
      ],
    );
  });

  it('matches skills as whole words, case-insensitive, multi-word and with symbols', () => {
    const index = new SkillIndex([
      'Python',
      'Machine Learning',
      'C++',
      'C#',
      '.NET',
      'Node.js',
      'R',
      'Java',
      'Django',
    ]);
    const found = index.find(
      'python, machine  learning; C++ and c# on .NET, Node.js. JavaScript, R&D, Python/Django, R.',
    );
    assert.deepEqual(
      found.map((s) => s.value),
      ['Python', 'Machine Learning', 'C++', 'C#', '.NET', 'Node.js', 'Django', 'R'],
    );
    const text = 'x C# y';
    const cs = index.find(text)[0]!;
    assert.equal(text.slice(cs.source!.start, cs.source!.end), 'C#');
  });

  it('loads a skills list: comments and blanks ignored, trimmed, deduplicated, bounded', () => {
    assert.deepEqual(loadSkills('# tech\n Python \n\npython\nC++\n' + 'x'.repeat(101)), ['Python', 'C++']);
    const many = Array.from({ length: 6000 }, (_, i) => `skill ${i}`).join('\n');
    assert.equal(loadSkills(many).length, 5000);
  });
});
