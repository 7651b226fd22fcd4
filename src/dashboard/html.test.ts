import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { html, raw } from './html.js';

describe('dashboard: the html template', () => {
  it('escapes every interpolated value, in text and in attributes', () => {
    const branch = '<img src=x onerror=alert(1)>';
    const title = `"quoted" & 'single' </script>`;

    const out = html`<td title="${title}">${branch}</td>`.text;

    assert.equal(
      out,
      '<td title="&quot;quoted&quot; &amp; &#39;single&#39; &lt;/script&gt;">&lt;img src=x onerror=alert(1)&gt;</td>',
    );
  });

  it('nests fragments without escaping them twice, and joins arrays', () => {
    const rows = ['a<b', 'c&d'].map((v) => html`<li>${v}</li>`);

    assert.equal(html`<ul>${rows}</ul>`.text, '<ul><li>a&lt;b</li><li>c&amp;d</li></ul>');
  });

  it('renders nothing for undefined, null and false, and numbers as text', () => {
    assert.equal(html`[${undefined}${null}${false}${0}${1.5}]`.text, '[01.5]');
  });

  it('lets markup through only by the explicit opt-out', () => {
    assert.equal(html`${raw('<b>owned</b>')}`.text, '<b>owned</b>');
    assert.equal(html`${{ text: '<b>forged</b>' } as never}`.text, '[object Object]');
  });
});
