import { createRequire } from 'node:module';
import type * as AdaptiveCards from 'adaptivecards';

/**
 * The official Adaptive Cards parser (`adaptivecards`), as a schema check: a card passes when it
 * parses at version 1.5 (what Teams renders) with no warnings and no validation failures. Its
 * package's ES build cannot load in Node, so the UMD build is required instead.
 */
const require = createRequire(import.meta.url);
const AC = require('adaptivecards/dist/adaptivecards.js') as typeof AdaptiveCards;

export function cardProblems(json: unknown): string[] {
  const card = new AC.AdaptiveCard();
  const context = new AC.SerializationContext(AC.Versions.v1_5);
  card.parse(json, context);
  const problems: string[] = [];
  for (let i = 0; i < context.eventCount; i++) problems.push(context.getEventAt(i).message);
  for (const event of card.validateProperties().validationEvents) problems.push(event.message);
  const version = (json as { version?: string }).version;
  if (version !== '1.5') problems.push(`version ${version} is not 1.5`);
  return problems;
}
