import { AdaptiveCard, Fact, FactSet, OpenUrlAction, TextBlock } from '@microsoft/teams.cards';

export interface CommandHelp {
  command: string;
  description: string;
}

export interface HelpCardView {
  commands: readonly CommandHelp[];
  /** Why the user sees help: they asked, or what they typed was not a command. */
  unknownInput?: string;
}

/** Adaptive Cards 1.5 is the highest version Teams renders. */
export const CARD_VERSION = '1.5';

/** Text colours for a notification's severity. */
export const SEVERITY_COLOR = {
  info: 'Default',
  success: 'Good',
  warning: 'Warning',
  error: 'Attention',
} as const;

/** The settings button, once there is a settings page to open; no button beats a dead link. */
export function settingsButton(url: string, title: string): OpenUrlAction[] {
  return url ? [new OpenUrlAction(url, { title })] : [];
}

export function helpCard(view: HelpCardView): AdaptiveCard {
  const card = new AdaptiveCard(
    new TextBlock('CRM Sync', { size: 'Large', weight: 'Bolder', wrap: true }),
    new TextBlock(
      'I put your Outlook email on the candidates and contacts it belongs to in your CRM. Type one of these commands:',
      { wrap: true },
    ),
    new FactSet(...view.commands.map((c) => new Fact(c.command, c.description))),
  ).withVersion(CARD_VERSION);
  if (view.unknownInput) {
    card.body.unshift(
      new TextBlock(`I didn't recognise "${view.unknownInput.slice(0, 80)}".`, {
        wrap: true,
        color: 'Attention',
      }),
    );
  }
  return card.withFallbackText(`CRM Sync commands: ${view.commands.map((c) => c.command).join(', ')}`);
}
