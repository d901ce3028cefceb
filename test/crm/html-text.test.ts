import assert from 'node:assert/strict';
import { htmlToText } from '../../bot/crm/html-text.ts';

describe('HTML mail bodies as text', () => {
  it('drops tags, scripts and styles, breaks lines at blocks and decodes entities', () => {
    const html =
      '<html><head><title>t</title><style>p{color:red}</style></head><body><p>Hi&nbsp;<b>Riley</b>,</p>' +
      '<script type="text/javascript">alert("x")</script><div>Call me &amp; see &lt;CV&gt;</div>' +
      '<SCRIPT>more()</SCRIPT >Thanks</body></html>';
    const text = htmlToText(html).replace(/[ \t]+/g, ' ');
    assert.match(text, /Hi Riley ,/);
    assert.match(text, /Call me & see <CV>/);
    assert.match(text, /Thanks/);
    assert.doesNotMatch(text, /alert|more\(\)|color:red/);
    assert.equal(htmlToText('<p>a</p><p>b</p>', { inlineTag: '' }).trim(), 'a\n\nb');
    assert.equal(htmlToText('a<b>b</b>c', { inlineTag: '' }), 'abc');
    // Characters whose lower case is longer do not shift where scripts end.
    assert.equal(
      htmlToText('İİİİİİİİ<p>Hello</p><script>var secret=1;</script>visible').replace(/\s+/g, ' '),
      'İİİİİİİİ Hello visible',
    );
  });

  it('reads hostile input in one pass: runs of `<`, unclosed scripts, a body over the limit', () => {
    const lt = '<'.repeat(200_000);
    assert.equal(htmlToText(`x${lt}`), `x${lt}`, 'a `<` that never closes is text');
    assert.equal(
      htmlToText(`${'<script>'.repeat(50_000)}secret`).trim(),
      '',
      'an unclosed script hides the rest',
    );
    assert.equal(htmlToText(`${'<a'.repeat(100_000)}>`).trim(), '');
    assert.equal(htmlToText('y'.repeat(2_000_000)).length, 1_048_576);
    assert.equal(htmlToText('<p>abc</p>', { maxChars: 5 }).trim(), 'ab');
  });
});
