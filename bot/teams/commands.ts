import type { CommandHelp } from '../cards/help-card.ts';

/**
 * Chat commands. Matching is forgiving: case-insensitive, any @mention of the bot removed,
 * runs of spaces folded. What is not a command gets the help card, never silence.
 */
export const COMMANDS = [
  { command: 'help', description: 'Show what I can do.' },
  { command: 'sync status', description: 'Is sync on, the last run, counts by status, folders.' },
  { command: 'sync now', description: 'Sync all your selected folders now, with live progress.' },
  {
    command: 'resend all',
    description: 'Send every email of your selected folders to the CRM again (asks first; rarely needed).',
  },
  { command: 'pause', description: 'Stop syncing automatically until you resume.' },
  { command: 'resume', description: 'Sync automatically again.' },
  { command: 'errors', description: 'Emails that could not be synced, with Retry.' },
  {
    command: 'unmatched',
    description: 'Emails with no candidate or contact: associate them or add the sender.',
  },
  { command: 'notifications', description: 'Your latest CRM Sync notifications.' },
  { command: 'settings', description: 'Open your sync settings.' },
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
