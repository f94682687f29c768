/**
 * Compares a signature someone sent with the one expected without an early exit, so the time taken tells an
 * attacker nothing about how much of a forged signature was right. Only the length is not hidden: signatures of
 * one kind all have the same length.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}
