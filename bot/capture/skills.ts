import { readFileSync } from 'node:fs';

/** How many skills a list may hold, and how long one may be: the list is admin-edited input. */
export const MAX_SKILLS = 5_000;
export const MAX_SKILL_CHARS = 100;

/**
 * A skills list from its text: one skill a line; blank lines and `#` comments ignored; trimmed;
 * duplicates (case-insensitive) dropped; at most 5,000 skills of at most 100 characters.
 */
export function loadSkills(text: string): string[] {
  const skills: string[] = [];
  const seen = new Set<string>();
  for (const raw of text.split('\n')) {
    const skill = raw.trim();
    if (skill === '' || skill.startsWith('#') || skill.length > MAX_SKILL_CHARS) continue;
    const key = skill.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    skills.push(skill);
    if (skills.length >= MAX_SKILLS) break;
  }
  return skills;
}

let defaults: readonly string[] | undefined;

/** The list shipped with the app (`bot/capture/skills.txt`), read once. */
export function defaultSkills(): readonly string[] {
  defaults ??= Object.freeze(loadSkills(readFileSync(new URL('./skills.txt', import.meta.url), 'utf8')));
  return defaults;
}
