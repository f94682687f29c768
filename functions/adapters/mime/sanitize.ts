import sanitizeHtml from 'sanitize-html';

/**
 * Mail HTML made safe to show in the agent UI: formatting, tables, links and images survive; scripts, styles,
 * event handlers, frames, forms and remote content over plain http do not.
 */

/** http(s) links and mail links only; no javascript:, data: or file: hrefs. */
const LINK_SCHEMES = ['http', 'https', 'mailto'];
/** Inline parts (`cid:`), embedded images, and https; plain http images leak the reader over the wire. */
const IMAGE_SOURCE = /^(?:cid:|https:\/\/|data:image\/(?:png|jpe?g|gif|webp|bmp);base64,)/i;

const COLOR = /^(?:#[0-9a-f]{3,8}|[a-z]+|rgba?\([\d\s.,%]+\))$/i;
const LENGTH = /^(?:\d+(?:\.\d+)?(?:px|pt|em|rem|%)?|auto)$/i;

const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [
    ...['p', 'br', 'div', 'span', 'hr', 'pre', 'code', 'blockquote', 'center', 'font'],
    ...['b', 'strong', 'i', 'em', 'u', 's', 'strike', 'del', 'ins', 'sub', 'sup', 'small', 'big', 'mark'],
    ...['h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'ul', 'ol', 'li', 'dl', 'dt', 'dd'],
    ...['table', 'thead', 'tbody', 'tfoot', 'tr', 'th', 'td', 'caption', 'colgroup', 'col'],
    ...['a', 'img'],
  ],
  allowedAttributes: {
    a: ['href', 'title', 'name', { name: 'target', values: ['_blank'] }, 'rel'],
    img: ['src', 'alt', 'title', 'width', 'height'],
    font: ['color', 'size', 'face'],
    table: ['border', 'cellpadding', 'cellspacing', 'width', 'align', 'bgcolor'],
    td: ['colspan', 'rowspan', 'align', 'valign', 'width', 'bgcolor'],
    th: ['colspan', 'rowspan', 'align', 'valign', 'width', 'bgcolor'],
    col: ['span', 'width'],
    ol: ['start', 'type'],
    '*': ['style', 'dir', 'align'],
  },
  // Only presentational properties with plain values: no url(), expression() or positioning tricks.
  allowedStyles: {
    '*': {
      color: [COLOR],
      'background-color': [COLOR],
      'font-weight': [/^(?:bold|bolder|normal|lighter|\d{3})$/i],
      'font-style': [/^(?:italic|normal|oblique)$/i],
      'font-size': [LENGTH],
      'text-decoration': [/^[a-z\s-]+$/i],
      'text-align': [/^(?:left|right|center|justify)$/i],
      'vertical-align': [/^[a-z-]+$/i],
      width: [LENGTH],
      height: [LENGTH],
    },
  },
  allowedSchemes: LINK_SCHEMES,
  allowedSchemesByTag: { img: ['https', 'cid', 'data'] },
  allowProtocolRelative: false,
  // Text inside these is code or metadata, not content.
  nonTextTags: ['script', 'style', 'textarea', 'option', 'xmp', 'noscript', 'title', 'head'],
  transformTags: {
    a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, rel: 'noopener noreferrer nofollow' } }),
  },
  exclusiveFilter: (frame) => frame.tag === 'img' && !IMAGE_SOURCE.test(frame.attribs.src ?? ''),
};

export function sanitizeMailHtml(html: string): string {
  return sanitizeHtml(html, OPTIONS).trim();
}
