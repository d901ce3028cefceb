/**
 * The people behind the resume fixtures: 36 resumes mixing formats, layouts, sectors and the
 * phone formats of the US, the UK, Canada, Australia, India, Germany and France. Deterministic.
 */
import type { ResumeFormat } from '../bot/capture/resume.port.ts';

export interface Block {
  text: string;
  style?: 'name' | 'heading';
}

export type Layout = 'classic' | 'labels' | 'title-first' | 'employer-first' | 'two-column';

export interface Person {
  file: string;
  format: ResumeFormat;
  layout: Layout;
  name: string;
  email?: string;
  phones: { written: string; e164: string }[];
  location: string;
  country: string;
  /** Whether the test passes the country (else the reader infers it). */
  passCountry: boolean;
  title: string;
  employer: string;
  blocks: Block[];
  /** Two columns: the lines across the top, and the left column. */
  header?: Block[];
  sidebar?: Block[];
}

const COUNTRIES = [
  {
    code: 'US',
    places: ['Seattle, WA', 'Austin, TX', 'Boston, MA'],
    phones: [
      ['(206) 555-0142', '+12065550142'],
      ['512-555-0178', '+15125550178'],
      ['+1 617.555.0191', '+16175550191'],
    ],
  },
  {
    code: 'GB',
    places: ['London, UK', 'Manchester, United Kingdom'],
    phones: [
      ['020 7946 0958', '+442079460958'],
      ['+44 7911 123456', '+447911123456'],
      ['07400 123456', '+447400123456'],
    ],
  },
  {
    code: 'CA',
    places: ['Toronto, ON', 'Vancouver, BC'],
    phones: [
      ['(416) 555-0199', '+14165550199'],
      ['604-555-0143', '+16045550143'],
    ],
  },
  {
    code: 'AU',
    places: ['Sydney, NSW', 'Melbourne, VIC'],
    phones: [
      ['0491 570 156', '+61491570156'],
      ['+61 2 9876 5432', '+61298765432'],
      ['(03) 9123 4567', '+61391234567'],
    ],
  },
  {
    code: 'IN',
    places: ['Bengaluru, Karnataka', 'Pune, India'],
    phones: [
      ['+91 98765 43210', '+919876543210'],
      ['098765 12345', '+919876512345'],
    ],
  },
  {
    code: 'DE',
    places: ['Berlin, Germany', 'München, Deutschland'],
    phones: [
      ['+49 30 12345678', '+493012345678'],
      ['0151 23456789', '+4915123456789'],
    ],
  },
  {
    code: 'FR',
    places: ['Paris, France', 'Lyon, France'],
    phones: [
      ['+33 1 23 45 67 89', '+33123456789'],
      ['06 12 34 56 78', '+33612345678'],
    ],
  },
] as const;

const NAMES = [
  'Ava Nguyen',
  "Liam O'Connor",
  'Chloe Tremblay',
  'Mia Robinson',
  'Priya Raghunathan',
  'Anna-Lena Schmidt',
  'Jean-Luc Moreau',
  'Marcus Webb',
  'Grace Okafor',
  'Ethan MacLeod',
  'Olivia Harris',
  'Arjun Mehta',
  'Felix Wagner',
  'Camille Dubois',
  'Daniel Kim',
  'Hannah Walsh',
  'Noah Gagnon',
  'Isla Thompson',
  'Kavya Iyer',
  'Lukas Becker',
  'Léa Martin',
  'Samuel Reyes',
  'Zoe Campbell',
  'Omar Haddad',
  'Ruby Mitchell',
  'Vikram Nair',
  'Jonas Hoffmann',
  'Manon Laurent',
  'Caleb Brooks',
  'Amelia Clarke',
  'Lucas Roy',
  'Sophie Turner',
  'Rohan Kapoor',
  'Mila Schneider',
  'Hugo Bernard',
  'Elena Petrova',
];

interface Role {
  title: string;
  employer: string;
  previous: [string, string];
  skills: string[];
  degree: string;
  school: string;
  bullets: string[];
}

const ROLES: Role[] = [
  {
    title: 'Senior Software Engineer',
    employer: 'Contoso Ltd',
    previous: ['Software Engineer', 'Fabrikam Inc'],
    skills: ['Python', 'Kubernetes', 'Azure', 'PostgreSQL', 'CI/CD'],
    degree: 'BSc Computer Science',
    school: 'University of Leeds',
    bullets: [
      'Led the move of twelve services to Kubernetes on Azure.',
      'Cut the build time of the main product by forty percent.',
    ],
  },
  {
    title: 'Registered Nurse',
    employer: "St. Mary's Hospital",
    previous: ['Staff Nurse', 'Riverside Clinic'],
    skills: ['Patient Care', 'ACLS', 'Epic', 'Triage', 'Wound Care'],
    degree: 'BSN Nursing',
    school: 'University of Toronto',
    bullets: [
      'Cared for up to six patients a shift on a busy surgical ward.',
      'Trained new nurses in triage and the use of Epic charts.',
    ],
  },
  {
    title: 'Financial Analyst',
    employer: 'Northwind Capital',
    previous: ['Junior Accountant', 'Tailspin Holdings'],
    skills: ['Financial Modeling', 'Excel', 'SQL', 'Budgeting', 'IFRS'],
    degree: 'BCom Finance',
    school: 'University of Mumbai',
    bullets: [
      'Built the monthly forecast model used by the finance team.',
      'Prepared board reports under IFRS for three business units.',
    ],
  },
  {
    title: 'Account Executive',
    employer: 'Adventure Works',
    previous: ['Sales Representative', 'Wingtip Toys Inc'],
    skills: ['B2B Sales', 'Salesforce', 'Negotiation', 'Lead Generation'],
    degree: 'BA Business Administration',
    school: 'Boston College',
    bullets: [
      'Closed new business worth two million dollars in one year.',
      'Managed a pipeline of sixty accounts in Salesforce every quarter.',
    ],
  },
  {
    title: 'Electrician',
    employer: 'Proseware Construction',
    previous: ['Apprentice Electrician', 'Lamna Electric'],
    skills: ['Electrical Wiring', 'Blueprint Reading', 'OSHA', 'Troubleshooting'],
    degree: 'Diploma in Electrical Technology',
    school: 'Seneca College',
    bullets: [
      'Wired commercial sites from blueprints to final inspection.',
      'Kept every site free of safety incidents for three years.',
    ],
  },
  {
    title: 'Data Scientist',
    employer: 'Litware Labs',
    previous: ['Data Analyst', 'Trey Research Group'],
    skills: ['Machine Learning', 'Python', 'TensorFlow', 'pandas', 'Statistics'],
    degree: 'MSc Data Science',
    school: 'Technische Universität Berlin',
    bullets: [
      'Trained demand forecasting models with TensorFlow and pandas.',
      'Explained the models to business teams in weekly reviews.',
    ],
  },
  {
    title: 'Product Manager',
    employer: 'Relecloud Software',
    previous: ['Business Analyst', 'Fourth Coffee Company'],
    skills: ['Product Management', 'Agile', 'Jira', 'User Research'],
    degree: 'MBA',
    school: 'ESSEC Business School',
    bullets: [
      'Owned the roadmap of the mobile app used by a million people.',
      'Ran user research with customers before every major release.',
    ],
  },
  {
    title: 'DevOps Engineer',
    employer: 'Woodgrove Bank',
    previous: ['Systems Administrator', 'Coho Systems'],
    skills: ['Terraform', 'AWS', 'Docker', 'Linux', 'Ansible'],
    degree: 'B.Tech Information Technology',
    school: 'IIT Bombay',
    bullets: [
      'Automated the bank infrastructure with Terraform and Ansible.',
      'Moved forty applications into Docker containers on AWS.',
    ],
  },
  {
    title: 'HR Manager',
    employer: 'Alpine Ski House Group',
    previous: ['Recruiter', "Margie's Travel Agency"],
    skills: ['Talent Acquisition', 'Workday', 'Onboarding', 'Employee Relations'],
    degree: 'BA Psychology',
    school: 'University of Sydney',
    bullets: [
      'Hired one hundred and twenty people across four countries.',
      'Rolled out Workday for onboarding and employee records.',
    ],
  },
  {
    title: 'Marketing Manager',
    employer: 'Blue Yonder Airlines',
    previous: ['Digital Marketing Specialist', 'VanArsdel Ltd'],
    skills: ['SEO', 'Google Analytics', 'Content Marketing', 'HubSpot'],
    degree: 'Master in Marketing',
    school: 'Université Lyon 2',
    bullets: [
      'Grew organic traffic by sixty percent through SEO and content.',
      'Ran email campaigns in HubSpot for three product lines.',
    ],
  },
  {
    title: 'Mechanical Engineer',
    employer: 'Fabrikam Motors',
    previous: ['Design Engineer', 'Contoso Industries'],
    skills: ['SolidWorks', 'AutoCAD', 'Lean', 'Six Sigma'],
    degree: 'BEng Mechanical Engineering',
    school: 'University of Manchester',
    bullets: [
      'Designed gearbox parts in SolidWorks for two vehicle programmes.',
      'Led Lean Six Sigma projects that cut scrap by a fifth.',
    ],
  },
  {
    title: 'Pharmacist',
    employer: 'Northwind Health',
    previous: ['Pharmacy Intern', 'Litware Clinic'],
    skills: ['Pharmacology', 'Medication Administration', 'HIPAA'],
    degree: 'Master of Pharmacy',
    school: 'Monash University',
    bullets: [
      'Checked and dispensed four hundred prescriptions a day.',
      'Advised patients on medication and possible side effects.',
    ],
  },
];

const FORMATS: ResumeFormat[] = ['pdf', 'docx', 'rtf', 'text', 'html', 'pdf'];
const LAYOUTS: Layout[] = ['classic', 'labels', 'title-first', 'employer-first', 'classic', 'two-column'];
const EXTENSIONS: Record<ResumeFormat, string> = {
  pdf: 'pdf',
  docx: 'docx',
  rtf: 'rtf',
  text: 'txt',
  html: 'html',
};
const YEARS = ['2019', '2020', '2021', '2018', '2022'];

export function people(): Person[] {
  return NAMES.map((name, i) => person(name, i));
}

function person(name: string, i: number): Person {
  const country = COUNTRIES[i % COUNTRIES.length]!;
  const role = ROLES[i % ROLES.length]!;
  const format = FORMATS[i % FORMATS.length]!;
  // Two columns only in a PDF; the other formats take the layout after it.
  let layout = LAYOUTS[Math.floor(i / 2) % LAYOUTS.length]!;
  if (layout === 'two-column' && format !== 'pdf') layout = 'classic';
  if (format === 'pdf' && i % 6 === 5) layout = 'two-column';
  const [phoneWritten, e164] = country.phones[i % country.phones.length]!;
  const location = country.places[i % country.places.length]!;
  const first = name
    .split(' ')[0]!
    .toLowerCase()
    .normalize('NFD')
    .replace(/[^a-z]/g, '');
  const last = name
    .split(' ')
    .slice(-1)[0]!
    .toLowerCase()
    .normalize('NFD')
    .replace(/[^a-z]/g, '');
  const email =
    i % 7 === 3
      ? undefined
      : `${first}.${last}${i}@${['outlook.com', 'gmail.com', 'proton.me', 'example.com'][i % 4]}`;
  const twoPages = format === 'pdf' && i % 4 === 0;
  const since = YEARS[i % YEARS.length]!;
  const p: Person = {
    file: `${String(i + 1).padStart(2, '0')}-${first}-${last}.${EXTENSIONS[format]}`,
    format,
    layout,
    name,
    ...(email ? { email } : {}),
    phones: [{ written: phoneWritten, e164 }],
    location,
    country: country.code,
    passCountry: i % 5 !== 2,
    title: role.title,
    employer: role.employer,
    blocks: [],
  };
  const jobs: [string, string, string][] = [
    [role.title, role.employer, `Mar ${since} – Present`],
    [role.previous[0], role.previous[1], `Jan ${Number(since) - 4} – Feb ${since}`],
  ];
  if (twoPages) {
    for (let k = 0; k < 5; k++) {
      const from = Number(since) - 8 - k * 2;
      jobs.push([
        role.previous[0],
        `${['Tailspin', 'Wide World', 'Humongous', 'Lucerne', 'Graphic Design'][k]} Group`,
        `${from} – ${from + 2}`,
      ]);
    }
  }
  const bulletsFor = (k: number) =>
    twoPages
      ? [...role.bullets, ...role.bullets.map((b) => b.replace('.', ' again.'))]
      : k === 0
        ? role.bullets
        : role.bullets.slice(0, 1);
  const contact = [location, email, phoneWritten].filter((x): x is string => x !== undefined);
  const slug = `${first}-${last}-${i}`;
  const experience: Block[] = [];
  jobs.forEach(([title, employer, dates], k) => {
    if (layout === 'employer-first' || layout === 'labels') {
      experience.push(
        { text: `${employer}, ${location.split(',')[0]}` },
        { text: title },
        { text: dates.replace(' – ', ' - ') },
      );
    } else if (layout === 'title-first') {
      experience.push({ text: `${title} \u2014 ${employer}` }, { text: dates });
    } else if (layout === 'two-column') {
      experience.push({ text: title }, { text: `${employer} | ${dates}` });
    } else {
      experience.push({ text: `${title} | ${employer} | ${dates}` });
    }
    for (const b of bulletsFor(k)) experience.push({ text: `\u2022 ${b}` });
    experience.push({ text: '' });
  });
  const education: Block[] = [{ text: `${role.degree}, ${role.school}, ${Number(since) - 6}` }];
  const skills = [{ text: role.skills.join(', ') }];
  const heading = (text: string): Block => ({ text, style: 'heading' });
  const summary = {
    text: `${role.title} with ${6 + (i % 9)} years of experience, most recently at ${role.employer}.`,
  };
  switch (layout) {
    case 'labels':
      p.blocks = [
        { text: 'Curriculum Vitae', style: 'heading' },
        { text: `Name: ${name}` },
        ...(email ? [{ text: `Email: ${email}` }] : []),
        { text: `Phone: ${phoneWritten}` },
        { text: `Location: ${location}` },
        { text: '' },
        heading('Work Experience'),
        ...experience,
        heading('Education'),
        ...education,
        { text: '' },
        heading('Skills'),
        ...skills,
      ];
      break;
    case 'title-first':
      p.blocks = [
        { text: role.title.toUpperCase(), style: 'heading' },
        { text: name, style: 'name' },
        { text: [phoneWritten, email].filter(Boolean).join(' \u00b7 ') },
        { text: location },
        { text: `linkedin.com/in/${slug}` },
        { text: '' },
        heading('PROFESSIONAL EXPERIENCE'),
        ...experience,
        heading('EDUCATION'),
        ...education,
        { text: '' },
        heading('SKILLS'),
        ...skills,
      ];
      break;
    case 'employer-first':
      p.blocks = [
        { text: name.toUpperCase(), style: 'name' },
        { text: location },
        { text: `Tel: ${phoneWritten}` },
        ...(email ? [{ text: `E-Mail: ${email}` }] : []),
        { text: `https://github.com/${first}${last}` },
        { text: '' },
        heading(country.code === 'DE' ? 'Berufserfahrung' : 'Experience'),
        ...experience,
        heading(country.code === 'DE' ? 'Ausbildung' : 'Education'),
        ...education,
        { text: '' },
        heading('Skills'),
        ...skills,
      ];
      break;
    case 'two-column':
      p.header = [{ text: name, style: 'name' }, { text: `${role.title} at ${role.employer}` }];
      p.sidebar = [
        heading('CONTACT'),
        ...contact.map((text) => ({ text })),
        { text: '' },
        heading('SKILLS'),
        ...role.skills.map((text) => ({ text })),
        { text: '' },
        heading('EDUCATION'),
        { text: role.degree },
        { text: role.school },
        { text: String(Number(since) - 6) },
      ];
      p.blocks = [heading('EXPERIENCE'), ...experience];
      break;
    default:
      p.blocks = [
        { text: name, style: 'name' },
        ...(i % 3 === 0 ? [{ text: `${role.title} at ${role.employer}` }] : []),
        { text: contact.join(' | ') },
        { text: `linkedin.com/in/${slug}` },
        { text: '' },
        heading('SUMMARY'),
        summary,
        { text: '' },
        heading('EXPERIENCE'),
        ...experience,
        heading('EDUCATION'),
        ...education,
        { text: '' },
        heading('SKILLS'),
        ...skills,
      ];
  }
  return p;
}
