import assert from 'node:assert/strict';
import { summarize } from '../../bot/crm/message-linking.ts';

describe('The addresses a Teams message carries', () => {
  const addresses = (content: string) =>
    summarize({ id: '1', body: { contentType: 'html', content } }).addresses;

  it('finds every address in the text, lower-cased, once', () => {
    assert.deepEqual(
      addresses(
        "<p>From: Victor.Dubois@Fabrikam.com; cc o'brien+jobs@mail.example.co.uk, victor.dubois@fabrikam.com</p>",
      ),
      ['victor.dubois@fabrikam.com', "o'brien+jobs@mail.example.co.uk"],
    );
    assert.deepEqual(addresses('write to a@b.c or first.last@example.museum.'), [
      'first.last@example.museum',
    ]);
  });

  it('scans hostile text in bounded work and only its start', () => {
    assert.deepEqual(addresses('a'.repeat(300_000)), []);
    assert.deepEqual(addresses(`x@${'1.'.repeat(100_000)}`), []);
    assert.deepEqual(addresses(`${'word '.repeat(20_000)}late@example.com`), [], 'past the scanned start');
  });
});
