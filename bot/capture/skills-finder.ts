import type { Field } from './resume.port.ts';

/**
 * Skills from a list, matched as whole words, case-insensitive, in one pass: the text is cut into
 * tokens once ("C++", "C#", ".NET", "Node.js" and "CI/CD" are tokens), and each token looks up
 * the skills that start with it (multi-word skills such as "machine learning" included).
 */

interface Skill {
  name: string;
  tokens: string[];
}

export interface Token {
  text: string;
  start: number;
  end: number;
}

export class SkillIndex {
  private readonly byFirst = new Map<string, Skill[]>();

  constructor(skills: readonly string[]) {
    for (const name of skills) {
      const tokens = tokenize(name).map((t) => t.text);
      if (tokens.length === 0) continue;
      const list = this.byFirst.get(tokens[0]!) ?? [];
      list.push({ name, tokens });
      this.byFirst.set(tokens[0]!, list);
    }
    for (const list of this.byFirst.values()) list.sort((a, b) => b.tokens.length - a.tokens.length);
  }

  find(text: string): Field<string>[] {
    const tokens = tokenize(text);
    const found = new Map<string, Field<string>>();
    const add = (skill: Skill, start: number, end: number) => {
      if (found.has(skill.name)) return;
      const confidence = skill.name.length <= 2 ? 0.6 : 0.9;
      found.set(skill.name, { value: skill.name, confidence, source: { start, end } });
    };
    for (let i = 0; i < tokens.length; i++) {
      const match = this.match(tokens, i);
      if (match) {
        add(match, tokens[i]!.start, tokens[i + match.tokens.length - 1]!.end);
        i += match.tokens.length - 1;
        continue;
      }
      // "Python/Django", "HTML5-CSS3": a compound token's pieces, each a one-word skill.
      for (const piece of pieces(tokens[i]!)) {
        const skill = this.byFirst.get(piece.text)?.find((s) => s.tokens.length === 1);
        if (skill) add(skill, piece.start, piece.end);
      }
    }
    return [...found.values()];
  }

  private match(tokens: readonly Token[], i: number): Skill | undefined {
    for (const skill of this.byFirst.get(tokens[i]!.text) ?? []) {
      let ok = i + skill.tokens.length <= tokens.length;
      for (let k = 1; ok && k < skill.tokens.length; k++) ok = tokens[i + k]!.text === skill.tokens[k];
      if (ok) return skill;
    }
    return undefined;
  }
}

function isTokenChar(c: string): boolean {
  const code = c.charCodeAt(0);
  if ((code >= 48 && code <= 57) || (code >= 97 && code <= 122) || (code >= 65 && code <= 90)) return true;
  if (c === '+' || c === '#' || c === '.' || c === '/' || c === '-' || c === '&' || c === "'") return true;
  return code > 127 && /\p{L}/u.test(c);
}

const TRIM_END = new Set(['.', '/', '-', '&', "'"]);

/** Words as the matcher sees them: lower case, trailing punctuation off, a leading dot kept on ".net". */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    if (!isTokenChar(text[i]!)) {
      i++;
      continue;
    }
    let j = i;
    while (j < text.length && isTokenChar(text[j]!)) j++;
    let start = i;
    let end = j;
    while (end > start && TRIM_END.has(text[end - 1]!)) end--;
    while (start < end && "/-&'+#".includes(text[start]!)) start++;
    if (text[start] === '.' && !(end - start >= 3 && /[a-z]/i.test(text[start + 1]!))) {
      while (start < end && text[start] === '.') start++;
    }
    if (end > start) tokens.push({ text: text.slice(start, end).toLowerCase(), start, end });
    i = j;
  }
  return tokens;
}

function pieces(token: Token): Token[] {
  // "R&D" is not R: only a slash or a hyphen joins two skills.
  if (!/[/-]/.test(token.text)) return [];
  const out: Token[] = [];
  let from = 0;
  for (let k = 0; k <= token.text.length; k++) {
    if (k === token.text.length || token.text[k] === '/' || token.text[k] === '-') {
      if (k > from)
        out.push({ text: token.text.slice(from, k), start: token.start + from, end: token.start + k });
      from = k + 1;
    }
  }
  return out.length > 1 ? out : [];
}
