import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Topology entry paths are relative to the repository root; resolving them from this file keeps synth
 * independent of the directory `cdk` or `vitest` was started from.
 */
export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

export function fromRepoRoot(relativePath: string): string {
  return join(repoRoot, relativePath);
}
