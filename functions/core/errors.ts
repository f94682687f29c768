/**
 * Errors the domain raises on purpose. Each has a stable `code` that the HTTP layer maps to a problem+json
 * `type` and status; anything that is not a DomainError is a bug and becomes a 500.
 */
export type DomainErrorCode =
  | 'not_found'
  | 'invalid_transition'
  | 'ticket_closed'
  | 'validation'
  | 'version_mismatch'
  | 'conflict'
  | 'forbidden'
  | 'idempotency_mismatch'
  | 'idempotency_in_progress';

export interface FieldError {
  readonly path: string;
  readonly message: string;
}

export class DomainError extends Error {
  readonly code: DomainErrorCode;
  readonly fieldErrors: readonly FieldError[];

  constructor(code: DomainErrorCode, message: string, fieldErrors: readonly FieldError[] = []) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.fieldErrors = fieldErrors;
  }
}

export const notFound = (what: string) => new DomainError('not_found', `${what} does not exist`);

export const invalid = (path: string, message: string) =>
  new DomainError('validation', `${path}: ${message}`, [{ path, message }]);

/** Thrown by repositories when a conditional write loses to a concurrent change. */
export class ConcurrentModificationError extends Error {
  constructor(what: string) {
    super(`${what} was changed concurrently`);
    this.name = 'ConcurrentModificationError';
  }
}
