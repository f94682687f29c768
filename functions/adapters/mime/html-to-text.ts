import sanitizeHtml from 'sanitize-html';

/**
 * Readable plain text from mail HTML, for HTML-only mail. sanitize-html's parser (htmlparser2) does the
 * tokenising and entity decoding; its hooks tell us where blocks start and end so that paragraphs, line
 * breaks and table rows become line breaks.
 */

/** Blocks set off by a blank line. */
const PARAGRAPH = new Set([
  ...[
    'p',
    'blockquote',
    'pre',
    'address',
    'h1',
    'h2',
    'h3',
    'h4',
    'h5',
    'h6',
    'ul',
    'ol',
    'dl',
    'hr',
    'table',
  ],
]);
/** Blocks that start on a line of their own. */
const LINE = new Set([
  ...['div', 'center', 'section', 'article', 'header', 'footer', 'li', 'dt', 'dd', 'tr', 'caption'],
  ...['thead', 'tbody', 'tfoot', 'form', 'fieldset', 'body', 'html'],
]);
/**
 * Private-use markers for "a line / paragraph break goes here"; several in a row make one break, the largest.
 */
const SOFT_LINE = '\ue000';
const SOFT_PARAGRAPH = '\ue001';
const CELL = new Set(['td', 'th']);
const SKIPPED = ['script', 'style', 'textarea', 'option', 'xmp', 'noscript', 'title', 'head'];

function breakFor(tag: string): string {
  if (tag === 'br') return '\n';
  return PARAGRAPH.has(tag) ? SOFT_PARAGRAPH : LINE.has(tag) ? SOFT_LINE : '';
}

function unescapeHtml(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

export function htmlToText(html: string): string {
  const out: string[] = [];
  let preDepth = 0;
  sanitizeHtml(html, {
    allowedTags: [],
    allowedAttributes: {},
    nonTextTags: SKIPPED,
    onOpenTag: (name) => {
      if (name === 'pre') preDepth++;
      out.push(breakFor(name));
    },
    onCloseTag: (name) => {
      if (name === 'pre') preDepth = Math.max(0, preDepth - 1);
      out.push(CELL.has(name) ? ' ' : name === 'br' ? '' : breakFor(name));
    },
    textFilter: (escaped) => {
      const text = unescapeHtml(escaped)
        .replace(/\u00a0/g, ' ')
        .replace(/[\ue000\ue001]/g, '');
      // Outside <pre>, source line breaks and runs of spaces are just one space, as a browser shows them.
      out.push(preDepth > 0 ? text : text.replace(/[ \t\r\n\f]+/g, ' '));
      return '';
    },
  });
  return out
    .join('')
    .replace(/[ \t]*[\ue000\ue001][\s\ue000\ue001]*/g, (run) =>
      run.includes(SOFT_PARAGRAPH) ? '\n\n' : '\n',
    )
    .split('\n')
    .map((line) => line.replace(/[ \t]+$/, '').replace(/^ +/, ''))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
