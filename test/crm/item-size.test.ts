import assert from 'node:assert/strict';
import { checkItemSize } from '../../bot/crm/item-size.ts';
import { AppError } from '../../bot/errors/app-error.ts';

/** The CRM's item size check: exact where it matters, without writing every item's JSON. */

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

/** The text that costs JSON the most bytes per UTF-16 unit, and the rest of what mail carries. */
const samples = [
  '\u0001'.repeat(500),
  '"\\'.repeat(300),
  'é中'.repeat(400),
  '😀'.repeat(300),
  '\ud800'.repeat(250),
  '<p>Hello&nbsp;there</p>\r\n\t'.repeat(100),
];

describe('CRM item size', () => {
  it('refuses an item over the limit by its exact size, whatever its text costs to escape', () => {
    for (const text of samples) {
      const item = {
        id: 'a',
        body: { content: text, contentType: 'html' },
        to: [{ address: 'x@y.z' }],
        n: 1.5,
        ok: true,
      };
      const exact = bytes(item);
      checkItemSize(item, exact, 'activity');
      assert.throws(
        () => checkItemSize(item, exact - 1, 'activity'),
        (error: unknown) =>
          AppError.is(error, 'crm.rejected') &&
          /the activity is \d+ KB; the CRM takes at most \d+ KB/.test(error.message) &&
          error.context?.size === exact,
      );
    }
  });

  it('takes items nested deep or with values JSON writes its own way', () => {
    let deep: Record<string, unknown> = { leaf: 'x' };
    for (let i = 0; i < 40; i++) deep = { next: deep };
    checkItemSize(deep, bytes(deep), 'task');
    assert.throws(() => checkItemSize(deep, bytes(deep) - 1, 'task'), /the task is/);
    // The longest numbers JSON writes, many of them, and boxed values (written as their value).
    const numbers = { n: Array.from({ length: 10 }, () => -0.0000012345678901234567) };
    checkItemSize(numbers, bytes(numbers), 'task');
    assert.throws(() => checkItemSize(numbers, bytes(numbers) - 1, 'task'), /the task is/);
    const boxed = { n: new Number(-0.0000012345678901234567), s: new String('x'.repeat(50)) };
    assert.throws(() => checkItemSize(boxed, bytes(boxed) - 1, 'task'), /the task is/);
    const dated = { at: new Date('2026-12-01T00:00:00Z'), skipped: undefined };
    checkItemSize(dated, bytes(dated), 'event');
    assert.throws(() => checkItemSize(dated, bytes(dated) - 1, 'event'), /the event is/);
  });
});
