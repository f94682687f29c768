import type { FieldError } from '../errors.ts';
import type { CustomFieldDefinition, Ticket } from '../model.ts';

/**
 * Placeholders of canned text (macro replies): `{{ticket.number}}`, `{{requester.firstName}}`, … with spaces
 * allowed inside the braces and an optional fallback for an empty value, `{{requester.firstName | "there"}}`.
 * Pure: `placeholderErrors` checks a template when it is saved, `render` fills one in when it is used.
 */

/** What a template is rendered against: the ticket (as it is after the macro's field changes) and the agent. */
export interface PlaceholderContext {
  readonly ticket: Pick<
    Ticket,
    'number' | 'subject' | 'status' | 'priority' | 'type' | 'customFields' | 'requester'
  >;
  /** The agent applying the macro; null for automation or a key not bound to an agent. */
  readonly agent: { readonly name: string; readonly email: string } | null;
}

const CUSTOM_PREFIX = 'ticket.customFields.';

const firstName = (name: string | null | undefined): string | null => name?.trim().split(/\s+/)[0] || null;

const RESOLVERS = {
  'ticket.number': (c) => String(c.ticket.number),
  'ticket.subject': (c) => c.ticket.subject,
  // `on_hold` reads as `on hold` in a sentence.
  'ticket.status': (c) => c.ticket.status.replaceAll('_', ' '),
  'ticket.priority': (c) => c.ticket.priority,
  'ticket.type': (c) => c.ticket.type,
  'requester.name': (c) => c.ticket.requester.name,
  'requester.firstName': (c) => firstName(c.ticket.requester.name),
  'requester.email': (c) => c.ticket.requester.email,
  'agent.name': (c) => c.agent?.name ?? null,
  'agent.firstName': (c) => firstName(c.agent?.name),
  'agent.email': (c) => c.agent?.email ?? null,
} as const satisfies Record<string, (context: PlaceholderContext) => string | null>;

/** Every placeholder name but the custom fields', in the order the error messages list them. */
export const PLACEHOLDERS: readonly string[] = Object.keys(RESOLVERS);

const isKnown = (name: string): name is keyof typeof RESOLVERS => Object.hasOwn(RESOLVERS, name);

/** One piece of a template: literal text, a placeholder, or something that looks like one but is not. */
type Segment =
  | { readonly kind: 'text'; readonly text: string }
  | {
      readonly kind: 'placeholder';
      readonly raw: string;
      readonly name: string;
      readonly fallback: string | null;
    }
  | { readonly kind: 'broken'; readonly raw: string; readonly problem: string };

/** A whole placeholder at the start: a name, then optionally `| "fallback"` (or single quotes), then `}}`. */
const PLACEHOLDER = /\{\{\s*([^{}|"']*?)\s*(?:\|\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')\s*)?\}\}/y;

const unquote = (quoted: string) => quoted.slice(1, -1).replace(/\\(.)/gs, '$1');

const preview = (raw: string) => (raw.length > 40 ? `${raw.slice(0, 40)}…` : raw);

function parse(text: string): Segment[] {
  const segments: Segment[] = [];
  let at = 0;
  while (at < text.length) {
    const open = text.indexOf('{{', at);
    if (open < 0) {
      segments.push({ kind: 'text', text: text.slice(at) });
      break;
    }
    if (open > at) segments.push({ kind: 'text', text: text.slice(at, open) });
    PLACEHOLDER.lastIndex = open;
    const match = PLACEHOLDER.exec(text);
    if (match) {
      const [raw, name = '', fallback] = match;
      segments.push(
        name === ''
          ? { kind: 'broken', raw, problem: `empty placeholder ${raw}` }
          : { kind: 'placeholder', raw, name, fallback: fallback === undefined ? null : unquote(fallback) },
      );
      at = open + raw.length;
      continue;
    }
    const close = text.indexOf('}}', open + 2);
    const next = text.indexOf('{{', open + 2);
    if (close < 0 || (next >= 0 && next < close)) {
      // No `}}` before the end or before the next `{{`: the braces never close.
      const end = next >= 0 ? next : text.length;
      const raw = text.slice(open, end);
      segments.push({
        kind: 'broken',
        raw,
        problem: `unterminated placeholder “${preview(raw)}”: close it with }}`,
      });
      at = end;
      continue;
    }
    const raw = text.slice(open, close + 2);
    segments.push({
      kind: 'broken',
      raw,
      problem: `malformed placeholder ${preview(raw)}: write {{name}} or {{name | "fallback"}}, the fallback in quotes`,
    });
    at = close + 2;
  }
  return segments;
}

function knownList(customFields: readonly CustomFieldDefinition[] | null): string {
  const known = PLACEHOLDERS.map((name) => `{{${name}}}`).join(', ');
  const custom =
    customFields === null
      ? `{{${CUSTOM_PREFIX}<key>}} for a declared custom field`
      : customFields.length === 0
        ? `{{${CUSTOM_PREFIX}<key>}} once a custom field is declared`
        : customFields.map((d) => `{{${CUSTOM_PREFIX}${d.key}}}`).join(', ');
  return `${known}, ${custom}`;
}

/**
 * Field errors of a template, all at `path`: unknown placeholders (naming the known ones), custom fields that
 * are not declared, unterminated or malformed braces. With `customFields` null (the HTTP edge, which does not
 * know the tenant's fields) any `ticket.customFields.<key>` is accepted; the use case checks them.
 */
export function placeholderErrors(
  text: string,
  customFields: readonly CustomFieldDefinition[] | null,
  path: string,
): FieldError[] {
  const messages = new Set<string>();
  for (const segment of parse(text)) {
    if (segment.kind === 'broken') messages.add(segment.problem);
    if (segment.kind !== 'placeholder' || isKnown(segment.name)) continue;
    if (segment.name.startsWith(CUSTOM_PREFIX)) {
      const key = segment.name.slice(CUSTOM_PREFIX.length);
      if (!/^[a-z][a-z0-9_]{0,63}$/.test(key)) {
        messages.add(`${segment.raw}: ${JSON.stringify(key)} is not a custom field key`);
      } else if (customFields !== null && !customFields.some((d) => d.key === key)) {
        messages.add(
          `${segment.raw}: custom field ${key} is not declared (POST /v1/custom-fields declares one); known placeholders: ${knownList(customFields)}`,
        );
      }
      continue;
    }
    messages.add(`unknown placeholder ${segment.raw}; known placeholders: ${knownList(customFields)}`);
  }
  return [...messages].map((message) => ({ path, message }));
}

function placeholderValue(name: string, context: PlaceholderContext): string | null {
  if (isKnown(name)) return RESOLVERS[name](context);
  if (name.startsWith(CUSTOM_PREFIX)) {
    const key = name.slice(CUSTOM_PREFIX.length);
    const fields = context.ticket.customFields;
    return Object.hasOwn(fields, key) ? String(fields[key]) : null;
  }
  return null;
}

/**
 * The template filled in. A placeholder without a value (an empty name, no agent, an unset custom field)
 * becomes its fallback, or nothing. Text that is not a valid placeholder is kept as written.
 */
export function render(text: string, context: PlaceholderContext): string {
  return parse(text)
    .map((segment) => {
      if (segment.kind === 'text') return segment.text;
      if (segment.kind === 'broken') return segment.raw;
      const value = placeholderValue(segment.name, context);
      return value !== null && value.trim() !== '' ? value : (segment.fallback ?? '');
    })
    .join('');
}
