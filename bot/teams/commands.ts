import type { CommandHelp } from '../cards/help-card.ts';

/**
 * Chat commands. Matching is forgiving: case-insensitive, any @mention of the bot removed,
 * runs of spaces folded. What is not a command gets the help card, never silence.
 */
export const COMMANDS = [
  { command: 'help', description: 'Show what I can do.' },
] as const satisfies readonly CommandHelp[];

export type CommandName = (typeof COMMANDS)[number]['command'];

export function normalizeCommand(text: string | undefined): string {
  return (text ?? '')
    .replace(/<at>[^<]*<\/at>/gi, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

export function parseCommand(
  text: string | undefined,
): { name: CommandName } | { name: undefined; input: string } {
  const input = normalizeCommand(text);
  const known = COMMANDS.find((c) => c.command === input);
  return known ? { name: known.command } : { name: undefined, input };
}
