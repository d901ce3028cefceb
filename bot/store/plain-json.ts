/**
 * Whether `value` is written to JSON as its own properties: a plain object (or one made with no
 * prototype) or an array, with no `toJSON` of its own. A Date, a Map, a boxed string or a class
 * instance is not: its JSON is not what its properties say.
 */
export function isPlainJson(value: unknown): value is Record<string, unknown> | unknown[] {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  const plain = prototype === Object.prototype || prototype === null || Array.isArray(value);
  return plain && typeof (value as { toJSON?: unknown }).toJSON !== 'function';
}
