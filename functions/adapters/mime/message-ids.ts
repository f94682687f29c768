/**
 * Message-ID, In-Reply-To and References values as bare ids. Threading compares them as strings, so the same
 * id must come out the same whether the sender wrote it with angle brackets, without, or with a comment.
 */

/** Every id of a header value, in order, without angle brackets. */
export function messageIds(value: string | undefined): string[] {
  if (!value) return [];
  const bracketed = [...value.matchAll(/<([^<>]*)>/g)]
    .map((match) => match[1]!.replace(/\s+/g, ''))
    .filter((id) => id.length > 0);
  if (bracketed.length > 0) return bracketed;
  // Without brackets: drop comments like `(Mr. X's message of ...)`, keep the tokens that look like ids.
  const tokens = value
    .replace(/\([^()]*\)/g, ' ')
    .split(/[\s,]+/)
    .map((token) => token.replace(/^["']|["']$/g, ''))
    .filter((token) => token.length > 0);
  return tokens.length === 1 ? tokens : tokens.filter((token) => token.includes('@'));
}

export function firstMessageId(value: string | undefined): string | null {
  return messageIds(value)[0] ?? null;
}
