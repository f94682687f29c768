import type { Construct } from 'constructs';

/** What one deployment of Deskless varies by, read from CDK context (see bin/deskless.ts). */
export interface DesklessConfig {
  readonly stage: string;
  readonly alarmEmail?: string;
  readonly costCentre: string;
}

/** The stage names stacks and resources; keep it to what every AWS name accepts. */
const STAGE_PATTERN = /^[a-z][a-z0-9-]{0,19}$/;

export function readConfig(scope: Construct): DesklessConfig {
  const stage = optionalString(scope, 'deskless:stage') ?? 'prod';
  if (!STAGE_PATTERN.test(stage)) {
    throw new Error(
      `deskless:stage must match ${STAGE_PATTERN} (lowercase, starts with a letter), got "${stage}"`,
    );
  }
  const alarmEmail = optionalString(scope, 'deskless:alarmEmail');
  if (alarmEmail !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(alarmEmail)) {
    throw new Error(`deskless:alarmEmail is not an email address: "${alarmEmail}"`);
  }
  const costCentre = optionalString(scope, 'deskless:costCentre') ?? stage;
  return { stage, alarmEmail, costCentre };
}

/** Context from `-c key=value` arrives as a string, from cdk.json as any JSON; blanks count as unset. */
function optionalString(scope: Construct, key: string): string | undefined {
  const value: unknown = scope.node.tryGetContext(key);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new Error(`${key} must be a string, got ${JSON.stringify(value)}`);
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}
