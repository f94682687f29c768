import type { FieldError } from './errors.ts';
import type { CustomFieldDefinition, CustomFieldValue } from './model.ts';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

function isValidDate(value: string): boolean {
  if (!ISO_DATE.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
}

function typeError(def: CustomFieldDefinition, value: CustomFieldValue | null): string | null {
  if (value === null) return null;
  switch (def.type) {
    case 'string':
      return typeof value === 'string' ? null : 'must be a string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? null : 'must be a number';
    case 'boolean':
      return typeof value === 'boolean' ? null : 'must be a boolean';
    case 'date':
      return typeof value === 'string' && isValidDate(value) ? null : 'must be a date (YYYY-MM-DD)';
  }
}

/** Checks values against the tenant's declared fields: unknown keys and wrong types are field errors. */
export function checkCustomFields(
  values: Readonly<Record<string, CustomFieldValue | null>>,
  definitions: readonly CustomFieldDefinition[],
): FieldError[] {
  const byKey = new Map(definitions.map((d) => [d.key, d]));
  const errors: FieldError[] = [];
  for (const [key, value] of Object.entries(values)) {
    const def = byKey.get(key);
    const message = def
      ? typeError(def, value)
      : 'is not a declared custom field (POST /v1/custom-fields declares one)';
    if (message) errors.push({ path: `customFields.${key}`, message });
  }
  return errors;
}
