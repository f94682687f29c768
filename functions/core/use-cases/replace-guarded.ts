import { ConcurrentModificationError, DomainError, notFound } from '../errors.ts';

/** Attempts at a read-modify-write before a concurrent writer wins and the caller gets 409. */
const MAX_ATTEMPTS = 4;

const stale = (what: string, version: number, ifMatch: number) =>
  new DomainError(
    'version_mismatch',
    `${what} is at version ${version}, not ${ifMatch}; read it again and retry`,
  );

/**
 * Read, change, write guarded by the version read; a lost race is retried on the newest version, unless the
 * caller sent If-Match (then it is a 412: they decided on a version that is gone).
 */
export async function replaceGuarded<T extends { readonly version: number }>(
  what: string,
  ifMatch: number | undefined,
  read: () => Promise<T | null>,
  write: (previous: T) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const previous = await read();
    if (!previous) throw notFound(what);
    if (ifMatch !== undefined && previous.version !== ifMatch) throw stale(what, previous.version, ifMatch);
    try {
      return await write(previous);
    } catch (error) {
      if (!(error instanceof ConcurrentModificationError)) throw error;
      if (ifMatch !== undefined) {
        throw new DomainError('version_mismatch', `${what} was changed by someone else; read it again`);
      }
    }
  }
  throw new DomainError('conflict', `${what} is being changed by others right now; retry`);
}
