import { AppError } from '../errors/app-error.ts';
import { isPlainJson } from '../store/plain-json.ts';

/**
 * At least the bytes of `value`'s JSON, in UTF-8, without writing it: a UTF-16 unit is at most six
 * bytes there (`\u001f`; a character outside ASCII is three bytes a unit at most), so a string of
 * n units is at most 6n + 2. Only lengths are read, which costs nothing next to a stringify of an
 * email's body (tens of KB to escape, and the store writes it again).
 */
function jsonBytesAtMost(value: unknown, depth = 0): number {
  if (typeof value === 'string') return 6 * value.length + 2;
  // The longest a number is written: -0.0000012345678901234567 (below 1e-6 it takes an exponent).
  if (typeof value === 'number') return 25;
  if (typeof value === 'boolean' || value === null || value === undefined) return 9;
  // Deep or unusual values (a toJSON, a boxed string, a Map...) are not worth bounding: the exact
  // size says.
  if (!isPlainJson(value) || depth > 32) return Number.POSITIVE_INFINITY;
  let total = 2;
  if (Array.isArray(value)) {
    for (const element of value) total += jsonBytesAtMost(element, depth + 1) + 1;
    return total;
  }
  for (const [key, element] of Object.entries(value)) {
    total += 6 * key.length + 3 + jsonBytesAtMost(element, depth + 1) + 1;
  }
  return total;
}

/**
 * Refuses a CRM item whose JSON is over `maxBytes` (Cosmos DB's items are at most 2 MB): the
 * exact size is measured only where the bound says the item might be over.
 */
export function checkItemSize(value: unknown, maxBytes: number, what: string): void {
  if (jsonBytesAtMost(value) <= maxBytes) return;
  const size = Buffer.byteLength(JSON.stringify(value));
  if (size <= maxBytes) return;
  throw new AppError(
    'crm.rejected',
    `the ${what} is ${Math.round(size / 1024)} KB; the CRM takes at most ${Math.round(maxBytes / 1024)} KB`,
    { context: { size } },
  );
}
