/**
 * A very small expression language for the tracker integrations' request and response mappings. One mapping
 * is written once, as data, and used twice:
 *
 * - `toJsonata` renders it for the Step Functions state machine that calls the tracker (JSONata is the state
 *   machine's query language: `{% … %}` strings are evaluated, everything else is literal);
 * - `evaluate` computes it in TypeScript, with JSONata's semantics for the few operators used, so unit tests
 *   check what a tracker receives for a given ticket without AWS.
 *
 * Values come from four places: the EventBridge `event` that started the run, the `ticket` as the API returns
 * it, the tracker's answer (`issue`), and, inside `any`, the list `item` being tested. In the state machine the
 * first three are variables of the same names (`$event`, `$ticket`, `$issue`).
 */

export type Source = 'event' | 'ticket' | 'issue' | 'item';

type Node =
  | { readonly op: 'text'; readonly value: string }
  | { readonly op: 'get'; readonly from: Source; readonly path: readonly string[] }
  | { readonly op: 'concat'; readonly parts: readonly Expr[] }
  | { readonly op: 'string'; readonly of: Expr }
  | { readonly op: 'join'; readonly of: Expr; readonly separator: string }
  | { readonly op: 'truncate'; readonly of: Expr; readonly max: number }
  | { readonly op: 'eq'; readonly left: Expr; readonly right: Expr }
  | { readonly op: 'and' | 'or'; readonly of: readonly Expr[] }
  | { readonly op: 'not'; readonly of: Expr }
  | { readonly op: 'contains'; readonly list: Expr; readonly value: Expr }
  | { readonly op: 'exists'; readonly of: Expr }
  | { readonly op: 'startsWith'; readonly of: Expr; readonly prefix: string }
  | { readonly op: 'any'; readonly list: Expr; readonly where: Expr };

/** An expression; a class, so a request template tells it apart from a plain JSON object by `instanceof`. */
export class Expr {
  constructor(readonly node: Node) {}
}

export const text = (value: string) => new Expr({ op: 'text', value });
export const get = (from: Source, ...path: string[]) => new Expr({ op: 'get', from, path });
export const concat = (...parts: (Expr | string)[]) =>
  new Expr({ op: 'concat', parts: parts.map((part) => (typeof part === 'string' ? text(part) : part)) });
export const asString = (of: Expr) => new Expr({ op: 'string', of });
export const join = (of: Expr, separator: string) => new Expr({ op: 'join', of, separator });
export const truncate = (of: Expr, max: number) => new Expr({ op: 'truncate', of, max });
export const eq = (left: Expr, right: Expr | string) =>
  new Expr({ op: 'eq', left, right: typeof right === 'string' ? text(right) : right });
export const and = (...of: Expr[]) => new Expr({ op: 'and', of });
export const or = (...of: Expr[]) => new Expr({ op: 'or', of });
export const not = (of: Expr) => new Expr({ op: 'not', of });
/** Whether `list` holds `value` (a single value counts as a list of one; nothing holds nothing). */
export const contains = (list: Expr, value: Expr | string) =>
  new Expr({ op: 'contains', list, value: typeof value === 'string' ? text(value) : value });
export const exists = (of: Expr) => new Expr({ op: 'exists', of });
export const startsWith = (of: Expr, prefix: string) => new Expr({ op: 'startsWith', of, prefix });
/** Whether some element of `list` satisfies `where` (read with `get('item', …)`). */
export const any = (list: Expr, where: Expr) => new Expr({ op: 'any', list, where });

/** JSON with expressions at its leaves: a request body or a set of headers. */
export type Template =
  | Expr
  | string
  | number
  | boolean
  | null
  | readonly Template[]
  | { readonly [key: string]: Template };

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function jsonataPath(from: Source, path: readonly string[]): string {
  const steps = path.map((step) => (IDENTIFIER.test(step) ? step : `\`${step}\``));
  if (from === 'item') return steps.join('.');
  return [`$${from}`, ...steps].join('.');
}

/** The expression as JSONata (without the `{% %}` around it). */
export function toJsonata(expr: Expr): string {
  const node = expr.node;
  switch (node.op) {
    case 'text':
      // A JSON string literal is a JSONata string literal.
      return JSON.stringify(node.value);
    case 'get':
      return jsonataPath(node.from, node.path);
    case 'concat':
      return `(${node.parts.map(toJsonata).join(' & ')})`;
    case 'string':
      return `$string(${toJsonata(node.of)})`;
    case 'join':
      return `$join(${toJsonata(node.of)}, ${JSON.stringify(node.separator)})`;
    case 'truncate':
      return `$substring(${toJsonata(node.of)}, 0, ${node.max})`;
    case 'eq':
      return `(${toJsonata(node.left)} = ${toJsonata(node.right)})`;
    case 'and':
    case 'or':
      return `(${node.of.map(toJsonata).join(` ${node.op} `)})`;
    case 'not':
      return `$not(${toJsonata(node.of)})`;
    case 'contains':
      return `(${toJsonata(node.value)} in ${toJsonata(node.list)})`;
    case 'exists':
      return `$exists(${toJsonata(node.of)})`;
    case 'startsWith':
      // $string first: $substring refuses null (a link without an id), $string makes it "null".
      return `($substring($string(${toJsonata(node.of)}), 0, ${[...node.prefix].length}) = ${JSON.stringify(node.prefix)})`;
    case 'any':
      return `($count(${toJsonata(node.list)}[${toJsonata(node.where)}]) > 0)`;
  }
}

export type Scope = Partial<Record<Source, unknown>>;

/** JSONata's path step: over a list it maps and flattens, and missing values drop out. */
function step(value: unknown, key: string): unknown {
  if (Array.isArray(value)) {
    const mapped = value.flatMap((element) => {
      const next = step(element, key);
      return next === undefined ? [] : Array.isArray(next) ? next : [next];
    });
    return mapped.length === 0 ? undefined : mapped;
  }
  if (value !== null && typeof value === 'object') return (value as Record<string, unknown>)[key];
  return undefined;
}

const asList = (value: unknown): unknown[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** `&` and `$string` turn nothing into the empty string, and anything else into its text. */
function stringOf(value: unknown): string {
  if (value === undefined || value === null) return value === null ? 'null' : '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The expression's value in TypeScript, as the state machine would compute it. */
export function evaluate(expr: Expr, scope: Scope): unknown {
  const node = expr.node;
  switch (node.op) {
    case 'text':
      return node.value;
    case 'get':
      return node.path.reduce<unknown>((value, key) => step(value, key), scope[node.from]);
    case 'concat':
      return node.parts.map((part) => stringOf(evaluate(part, scope))).join('');
    case 'string': {
      const value = evaluate(node.of, scope);
      return value === undefined ? undefined : stringOf(value);
    }
    case 'join': {
      const value = evaluate(node.of, scope);
      return value === undefined ? undefined : asList(value).map(stringOf).join(node.separator);
    }
    case 'truncate': {
      const value = evaluate(node.of, scope);
      return value === undefined ? undefined : [...stringOf(value)].slice(0, node.max).join('');
    }
    case 'eq': {
      // Nothing equals nothing else, not even nothing.
      const [left, right] = [evaluate(node.left, scope), evaluate(node.right, scope)];
      return left !== undefined && right !== undefined && JSON.stringify(left) === JSON.stringify(right);
    }
    case 'and':
      return node.of.every((part) => evaluate(part, scope) === true);
    case 'or':
      return node.of.some((part) => evaluate(part, scope) === true);
    case 'not':
      return evaluate(node.of, scope) !== true;
    case 'contains': {
      const value = evaluate(node.value, scope);
      return value !== undefined && asList(evaluate(node.list, scope)).includes(value);
    }
    case 'exists':
      return evaluate(node.of, scope) !== undefined;
    case 'startsWith': {
      const value = evaluate(node.of, scope);
      return typeof value === 'string' && value.startsWith(node.prefix);
    }
    case 'any':
      return asList(evaluate(node.list, scope)).some(
        (item) => evaluate(node.where, { ...scope, item }) === true,
      );
  }
}

/**
 * The template as the state machine's JSON: every expression becomes a `{% … %}` string. A literal string that
 * itself looked like an expression is wrapped as one, so it stays literal.
 */
export function renderTemplate(template: Template): unknown {
  if (template instanceof Expr) return `{% ${toJsonata(template)} %}`;
  if (typeof template === 'string') {
    return /^\s*\{%/.test(template) ? `{% ${toJsonata(text(template))} %}` : template;
  }
  if (Array.isArray(template)) return template.map(renderTemplate);
  if (template !== null && typeof template === 'object') {
    return Object.fromEntries(Object.entries(template).map(([key, value]) => [key, renderTemplate(value)]));
  }
  return template;
}

/** The template's JSON for the given scope: what the state machine sends. */
export function evaluateTemplate(template: Template, scope: Scope): unknown {
  if (template instanceof Expr) return evaluate(template, scope);
  if (Array.isArray(template)) return template.map((item) => evaluateTemplate(item, scope));
  if (template !== null && typeof template === 'object') {
    return Object.fromEntries(
      Object.entries(template)
        .map(([key, value]) => [key, evaluateTemplate(value as Template, scope)] as const)
        // JSONata leaves out a field whose value is undefined.
        .filter(([, value]) => value !== undefined),
    );
  }
  return template;
}
