import { AppError } from '../errors/app-error.ts';
import { CONTAINERS } from '../store/containers.ts';
import { type Collection, type Doc, type Store, tenantPartition } from '../store/store.port.ts';
import { defaultSkills, loadSkills, MAX_SKILLS } from './skills.ts';

/**
 * The skills CaptureME looks for in a resume, per organization: the list shipped with the app
 * (`bot/capture/skills.txt`) until an admin edits it in the tab, then theirs (kept with the tenant's
 * settings). Reset goes back to the shipped list.
 */

interface SkillsDoc extends Doc {
  kind: 'skills';
  skills: string[];
  updatedAt: string;
  updatedBy: string;
}

const ID = 'captureSkills';
/** How long a read list is reused: a capture reads it, and admins seldom change it. */
const CACHE_MS = 60_000;

export class SkillsRepository {
  private readonly items: Collection<SkillsDoc>;
  private readonly cache = new Map<string, { at: number; skills: readonly string[] }>();
  private readonly now: () => number;

  constructor(store: Store, now: () => number = Date.now) {
    this.items = store.collection<SkillsDoc>(CONTAINERS.settings);
    this.now = now;
  }

  async get(tenantId: string): Promise<readonly string[]> {
    const cached = this.cache.get(tenantId);
    if (cached && this.now() - cached.at < CACHE_MS) return cached.skills;
    const found = (await this.items.read(tenantPartition(tenantId), ID))?.value;
    const skills = found?.kind === 'skills' ? found.skills : defaultSkills();
    this.cache.set(tenantId, { at: this.now(), skills });
    return skills;
  }

  /** The list and whether it is the organization's own (edited) or the shipped one. */
  async view(tenantId: string): Promise<{ skills: readonly string[]; custom: boolean; updatedAt?: string }> {
    const found = (await this.items.read(tenantPartition(tenantId), ID))?.value;
    return found?.kind === 'skills'
      ? { skills: found.skills, custom: true, updatedAt: found.updatedAt }
      : { skills: defaultSkills(), custom: false };
  }

  /** An admin's list, one skill a line (blank lines and `#` comments ignored); null resets. */
  async set(tenantId: string, text: string | null, by: string): Promise<void> {
    this.cache.delete(tenantId);
    if (text === null) {
      await this.items.delete(tenantPartition(tenantId), ID);
      return;
    }
    const skills = loadSkills(text);
    if (skills.length === 0)
      throw new AppError(
        'input.invalid',
        'The list has no skills; to go back to the shipped list, reset it.',
      );
    // loadSkills stops at the limit: a longer list is refused rather than cut without a word.
    if (moreThan(text, MAX_SKILLS))
      throw new AppError('input.invalid', `A skills list holds at most ${MAX_SKILLS} skills.`);
    await this.items.upsert({
      id: ID,
      pk: tenantPartition(tenantId),
      kind: 'skills',
      skills,
      updatedAt: new Date(this.now()).toISOString(),
      updatedBy: by,
    });
  }
}

/** Whether the text has more than `max` distinct skills (one a line, `#` comments and blanks aside). */
function moreThan(text: string, max: number): boolean {
  const seen = new Set<string>();
  for (const raw of text.split('\n')) {
    const skill = raw.trim().toLowerCase();
    if (skill && !skill.startsWith('#')) seen.add(skill);
    if (seen.size > max) return true;
  }
  return false;
}
