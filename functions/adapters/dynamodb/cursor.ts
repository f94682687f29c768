import { invalid } from '../../core/errors.ts';

type Key = Record<string, string>;

/**
 * Cursors are the DynamoDB `LastEvaluatedKey`, base64url-encoded. They are opaque to clients but not trusted:
 * a decoded cursor must name exactly the key attributes of the query it is used with and point into the very
 * partition being queried, so a tampered cursor is a 400, never another tenant's page or a 500.
 */
export function encodeCursor(lastEvaluatedKey: Record<string, unknown> | undefined): string | null {
  if (!lastEvaluatedKey) return null;
  return Buffer.from(JSON.stringify(lastEvaluatedKey), 'utf8').toString('base64url');
}

export function decodeCursor(
  cursor: string | undefined,
  expected: {
    readonly attributes: readonly string[];
    readonly partitionAttribute: string;
    readonly partition: string;
  },
): Key | undefined {
  if (cursor === undefined) return undefined;
  const fail = () => invalid('cursor', 'is not a cursor returned by this list; start again without it');
  let parsed: unknown;
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw fail();
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw fail();
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw fail();
  const entries = Object.entries(parsed);
  const names = entries.map(([name]) => name).sort();
  const wanted = [...new Set(expected.attributes)].sort();
  if (names.length !== wanted.length || names.some((n, i) => n !== wanted[i])) throw fail();
  if (entries.some(([, value]) => typeof value !== 'string' || value.length === 0 || value.length > 1024))
    throw fail();
  const key = parsed as Key;
  if (key[expected.partitionAttribute] !== expected.partition) throw fail();
  return key;
}
