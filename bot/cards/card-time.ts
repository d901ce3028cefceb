/**
 * Times in cards, in the viewer's own time zone. Teams fills in Adaptive Cards' DATE() and TIME()
 * functions on the device that shows the card, so one card reads right in Seattle and in London. The
 * functions are strict: upper case, no spaces inside the braces or parentheses, and an RFC 3339
 * timestamp; anything else is shown raw. We always give UTC with `Z` and whole seconds (the
 * renderers' pattern has no fraction). They are documented for a TextBlock's text, so cards put
 * times in text blocks, never in a fact.
 */

/** `iso` as an RFC 3339 UTC timestamp with whole seconds, or undefined when it is not a time. */
function rfc3339(iso: string): string | undefined {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return undefined;
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The date and time, e.g. "Fri, Nov 20, 2026 10:01 AM" where the viewer is. */
export function cardDateTime(iso: string | undefined, missing = 'never'): string {
  const at = iso ? rfc3339(iso) : undefined;
  return at ? `{{DATE(${at}, SHORT)}} {{TIME(${at})}}` : missing;
}

/** The date alone, e.g. "Fri, Nov 20, 2026" where the viewer is. */
export function cardDate(iso: string | undefined, missing = 'never'): string {
  const at = iso ? rfc3339(iso) : undefined;
  return at ? `{{DATE(${at}, SHORT)}}` : missing;
}
