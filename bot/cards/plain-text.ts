import type { AdaptiveCard } from '@microsoft/teams.cards';

/**
 * Teams renders a subset of Markdown in a TextBlock's text and in a Fact's title and value. Our
 * cards carry text from mail and from the CRM (subjects, names, notes), written by outsiders: a
 * subject "[Verify your account](https://…)" would become a link in a card from a bot the user
 * trusts. None of our own card text uses Markdown, so every such field is escaped as it leaves the
 * app (`plainTextCard`), in one pass over the card, whatever built it.
 */

/** Characters that start inline Markdown anywhere in a line. */
const INLINE = new Set(['\\', '*', '_', '[', ']', '`', '~']);
/** Characters that start a block (heading, list, quote) at the start of a line. */
const BLOCK = new Set(['#', '-', '+', '>', '=']);

const isDigit = (c: string) => c >= '0' && c <= '9';

/** `text` with Markdown's meaning taken away by backslash escapes: one forward pass, linear in its length. */
export function escapeMarkdown(text: string): string {
  let out = '';
  let lineStart = true;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n' || c === '\r') {
      out += c;
      lineStart = true;
      continue;
    }
    if (lineStart) {
      if (c === ' ' || c === '\t') {
        out += c;
        continue;
      }
      lineStart = false;
      if (BLOCK.has(c)) {
        out += `\\${c}`;
        continue;
      }
      if (isDigit(c)) {
        // "1. " or "1) " starts an ordered list: escape the mark after the digits.
        let j = i;
        while (j < text.length && isDigit(text[j]!)) j++;
        if (text[j] === '.' || text[j] === ')') {
          out += `${text.slice(i, j)}\\${text[j]}`;
          i = j;
          continue;
        }
      }
    }
    out += INLINE.has(c) ? `\\${c}` : c;
  }
  return out;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function escapeFields(node: Json): Json {
  if (Array.isArray(node)) return node.map(escapeFields);
  if (node === null || typeof node !== 'object') return node;
  const copy: { [key: string]: Json } = {};
  for (const [key, value] of Object.entries(node)) copy[key] = escapeFields(value);
  if (node.type === 'TextBlock' && typeof node.text === 'string') copy.text = escapeMarkdown(node.text);
  // Facts have no type of their own: they are the items of a FactSet's `facts`.
  if (node.type === 'FactSet' && Array.isArray(node.facts)) {
    copy.facts = node.facts.map((fact) =>
      fact && typeof fact === 'object' && !Array.isArray(fact)
        ? {
            ...fact,
            ...(typeof fact.title === 'string' ? { title: escapeMarkdown(fact.title) } : {}),
            ...(typeof fact.value === 'string' ? { value: escapeMarkdown(fact.value) } : {}),
          }
        : fact,
    );
  }
  return copy;
}

/** The card as Teams will get it: every TextBlock and Fact shown as the plain text it is. */
export function plainTextCard(card: AdaptiveCard): AdaptiveCard {
  return escapeFields(JSON.parse(JSON.stringify(card)) as Json) as unknown as AdaptiveCard;
}
