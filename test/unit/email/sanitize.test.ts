import { describe, expect, it } from 'vitest';
import { htmlToText } from '../../../functions/adapters/mime/html-to-text.ts';
import { sanitizeMailHtml } from '../../../functions/adapters/mime/sanitize.ts';

describe('sanitizeMailHtml', () => {
  it('keeps formatting, lists and tables', () => {
    const html =
      '<p><b>Bold</b> <i>it</i> <u>u</u></p><ul><li>one</li></ul>' +
      '<table border="1"><tr><th colspan="2">H</th></tr><tr><td>a</td><td>b</td></tr></table>';
    expect(sanitizeMailHtml(html)).toBe(html);
  });

  it('drops scripts, styles, event handlers, iframes and forms', () => {
    const clean = sanitizeMailHtml(
      '<style>p{display:none}</style><script>steal()</script><p onclick="steal()" onmouseover="x">Hi</p>' +
        '<iframe src="https://evil.test"></iframe><form action="https://evil.test"><input name="pw"><button>Go</button></form>' +
        '<object data="x.swf"></object><embed src="x"><svg onload="steal()"></svg><meta http-equiv="refresh" content="0">',
    );
    expect(clean).toBe('<p>Hi</p>Go');
  });

  it('allows http(s) and mailto links only and marks them noopener noreferrer nofollow', () => {
    expect(sanitizeMailHtml('<a href="https://acme.test/x" target="_blank">x</a>')).toBe(
      '<a href="https://acme.test/x" target="_blank" rel="noopener noreferrer nofollow">x</a>',
    );
    expect(sanitizeMailHtml('<a href="mailto:ann@acme.test">m</a>')).toContain('href="mailto:ann@acme.test"');
    for (const href of [
      'javascript:alert(1)',
      'JaVaScRiPt:alert(1)',
      'data:text/html,<script>x</script>',
      'vbscript:x',
      'file:///etc/passwd',
    ]) {
      expect(sanitizeMailHtml(`<a href="${href}">x</a>`)).not.toContain('href');
    }
  });

  it('keeps images only from cid:, https and embedded image data', () => {
    expect(sanitizeMailHtml('<img src="cid:shot@local" alt="s">')).toBe(
      '<img src="cid:shot@local" alt="s" />',
    );
    expect(sanitizeMailHtml('<img src="https://acme.test/logo.png">')).toBe(
      '<img src="https://acme.test/logo.png" />',
    );
    expect(sanitizeMailHtml('<img src="data:image/png;base64,iVBORw0KGgo=">')).toContain('data:image/png');
    for (const src of [
      'http://tracker.test/p.gif',
      '//tracker.test/p.gif',
      'data:text/html;base64,PHNjcmlwdD4=',
      'data:image/svg+xml;base64,PHN2Zz4=',
      'javascript:x',
      '/relative.png',
    ]) {
      expect(sanitizeMailHtml(`<p>a<img src="${src}">b</p>`)).toBe('<p>ab</p>');
    }
  });

  it('keeps harmless inline styles and drops the dangerous ones', () => {
    expect(sanitizeMailHtml('<span style="color:#c00;font-weight:bold">x</span>')).toBe(
      '<span style="color:#c00;font-weight:bold">x</span>',
    );
    expect(sanitizeMailHtml('<div style="background:url(https://t.test/p);position:fixed">x</div>')).toBe(
      '<div>x</div>',
    );
  });
});

describe('htmlToText', () => {
  it('turns blocks into lines, decodes entities and ignores head, style and script', () => {
    const text = htmlToText(
      '<html><head><title>T</title><style>.a{}</style></head><body><div>Hallo&nbsp;Martin,</div>' +
        '<p>Preis: 5&euro; &amp; mehr &lt;sofort&gt;</p>\n<p>Zeile 1<br>Zeile   2</p><script>x()</script>' +
        '<table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table></body></html>',
    );
    expect(text).toBe('Hallo Martin,\n\nPreis: 5€ & mehr <sofort>\n\nZeile 1\nZeile 2\n\na b\nc d');
  });

  it('keeps the line breaks of <pre>', () => {
    expect(htmlToText('<pre>a\n  b</pre>')).toBe('a\nb');
  });
});
