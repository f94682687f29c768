import type { Construct } from 'constructs';
import { BEDROCK_MODEL_PRICES, PRICE_TABLE, priceTableWith } from '../functions/core/cost/price-table.ts';
import { type IntegrationConfig, readIntegrations } from './integration-config.ts';

/** What one deployment of Deskless varies by, read from CDK context (see bin/deskless.ts). */
export interface DesklessConfig {
  readonly stage: string;
  readonly alarmEmail?: string;
  readonly costCentre: string;
  /**
   * Domains and addresses SES receives mail for (`deskless:mailDomains`), lowercased and de-duplicated.
   * Empty: no receipt rule set is created and the email intake receives nothing.
   */
  readonly mailRecipients: readonly string[];
  /** Whether to replace a receipt rule set someone else made active (`deskless:replaceActiveRuleSet`). */
  readonly replaceActiveRuleSet: boolean;
  /**
   * Amazon Bedrock model (or inference profile) id triage classifies with (`deskless:bedrockModelId`); absent:
   * the built-in classifier only.
   */
  readonly bedrockModelId?: string;
  /** How long triage waits for Bedrock before the built-in classifier decides (`deskless:bedrockTimeoutMs`). */
  readonly bedrockTimeoutMs?: number;
  /**
   * Monthly AWS Budgets cost budget over this stage's tagged resources, in US dollars
   * (`deskless:budgetMonthlyUsd`); absent: no budget.
   */
  readonly budgetMonthlyUsd?: number;
  /** The deployment's own prices for the cost report, as validated JSON (`deskless:priceOverrides`). */
  readonly priceOverrides?: string;
  /**
   * Engineering-tracker integrations (`deskless:integrations`, `deskless:integrationsApiKeySecretArn`): an issue
   * in GitHub, Jira or Linear for tickets that gain a tag, linked back on the ticket. Empty: none.
   */
  readonly integrations: readonly IntegrationConfig[];
}

/** Bedrock model and inference profile ids: `anthropic.claude-3-haiku-20240307-v1:0`, `us.amazon.nova-lite-v1:0`. */
const BEDROCK_MODEL_PATTERN = /^[a-z0-9][a-z0-9.:-]{2,199}$/;

/** The stage names stacks and resources; keep it to what every AWS name accepts. */
const STAGE_PATTERN = /^[a-z][a-z0-9-]{0,19}$/;

/** A DNS name with at least two labels, as SES matches recipient domains. */
const DOMAIN = '(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]';
const RECIPIENT_PATTERN = new RegExp(`^(?:[^@\\s,]{1,64}@)?${DOMAIN}$`);

/** SES accepts at most 100 recipients (domains or addresses) in one receipt rule. */
export const MAX_RULE_RECIPIENTS = 100;

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
  const bedrockModelId = optionalString(scope, 'deskless:bedrockModelId');
  if (bedrockModelId !== undefined && !BEDROCK_MODEL_PATTERN.test(bedrockModelId)) {
    throw new Error(`deskless:bedrockModelId is not a Bedrock model id: "${bedrockModelId}"`);
  }
  const timeout = optionalString(scope, 'deskless:bedrockTimeoutMs');
  const bedrockTimeoutMs = timeout === undefined ? undefined : Number(timeout);
  if (
    bedrockTimeoutMs !== undefined &&
    !(Number.isInteger(bedrockTimeoutMs) && bedrockTimeoutMs >= 100 && bedrockTimeoutMs <= 60_000)
  ) {
    throw new Error(`deskless:bedrockTimeoutMs must be 100 to 60000 milliseconds, got "${timeout}"`);
  }
  const budgetMonthlyUsd = readBudgetMonthlyUsd(scope);
  const priceOverrides = withModelPrices(readPriceOverrides(scope), bedrockModelId);
  return {
    ...(priceOverrides !== undefined && { priceOverrides }),
    ...(bedrockModelId !== undefined && { bedrockModelId }),
    ...(budgetMonthlyUsd !== undefined && { budgetMonthlyUsd }),
    ...(bedrockTimeoutMs !== undefined && { bedrockTimeoutMs }),
    stage,
    alarmEmail,
    costCentre,
    mailRecipients: readMailRecipients(scope),
    replaceActiveRuleSet: optionalBoolean(scope, 'deskless:replaceActiveRuleSet') ?? false,
    integrations: readIntegrations(scope),
  };
}

/**
 * The cost report prices Bedrock tokens as Amazon Nova Micro unless told otherwise: a deployment whose
 * `deskless:bedrockModelId` is another model with known list prices (BEDROCK_MODEL_PRICES) gets that model's
 * prices added to its overrides, unless the overrides already say how to price `bedrock`. Any other model is
 * priced through `deskless:priceOverrides` (`{"bedrock": {"modelId": …, "perThousandInputTokens": …}}`).
 */
function withModelPrices(overrides: string | undefined, modelId: string | undefined): string | undefined {
  if (modelId === undefined || modelId === PRICE_TABLE.bedrock.modelId) return overrides;
  const known = BEDROCK_MODEL_PRICES[modelId];
  const parsed = overrides === undefined ? {} : (JSON.parse(overrides) as Record<string, unknown>);
  if (!known || parsed.bedrock !== undefined) return overrides;
  return JSON.stringify({
    ...parsed,
    bedrock: {
      modelId,
      ...known,
      source: `Amazon Bedrock pricing page, ${modelId} on-demand, list prices of ${PRICE_TABLE.date}`,
    },
  });
}

/**
 * `deskless:priceOverrides`: the deployment's own prices for the cost report (another region, negotiated rates),
 * as a JSON object of the price table's fields (cdk.json) or a JSON string (`-c`). Validated here, so a typo fails
 * the synth instead of the API's cold start.
 */
function readPriceOverrides(scope: Construct): string | undefined {
  const key = 'deskless:priceOverrides';
  const value: unknown = scope.node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new Error(`${key} must be a JSON object of prices, got ${JSON.stringify(value)}`);
    }
  }
  try {
    priceTableWith(parsed);
  } catch (error) {
    const details = (error as { fieldErrors?: { path: string; message: string }[] }).fieldErrors ?? [];
    throw new Error(`${key}: ${details.map((e) => `${e.path} ${e.message}`).join('; ') || String(error)}`);
  }
  return JSON.stringify(parsed);
}

/**
 * `-c deskless:mailDomains=support.example.com,help@example.org` (or a JSON list in cdk.json). A domain
 * matches every address at that domain (not its subdomains); an address matches itself only.
 */
function readMailRecipients(scope: Construct): string[] {
  const key = 'deskless:mailDomains';
  const value: unknown = scope.node.tryGetContext(key);
  if (value === undefined || value === null) return [];
  let entries: unknown[];
  if (typeof value === 'string') entries = value.split(',');
  else if (Array.isArray(value)) entries = value;
  else throw new Error(`${key} must be a comma-separated string or a list, got ${JSON.stringify(value)}`);

  const recipients = new Set<string>();
  for (const entry of entries) {
    if (typeof entry !== 'string')
      throw new Error(`${key} entries must be strings, got ${JSON.stringify(entry)}`);
    const recipient = entry.trim().toLowerCase();
    if (recipient === '') continue;
    if (!RECIPIENT_PATTERN.test(recipient)) {
      throw new Error(`${key}: "${entry.trim()}" is neither a domain nor an email address`);
    }
    recipients.add(recipient);
  }
  if (recipients.size > MAX_RULE_RECIPIENTS) {
    throw new Error(
      `${key} lists ${recipients.size} recipients; one SES receipt rule takes at most ${MAX_RULE_RECIPIENTS}. ` +
        'List domains rather than single addresses.',
    );
  }
  return [...recipients];
}

/** Whole dollars or dollars and cents: `50`, `12.5`, `12.50`. */
const USD_PATTERN = /^\d{1,9}(?:\.\d{1,2})?$/;

/** `-c deskless:budgetMonthlyUsd=50` gives the string "50", cdk.json may give the number 50. */
function readBudgetMonthlyUsd(scope: Construct): number | undefined {
  const key = 'deskless:budgetMonthlyUsd';
  const value: unknown = scope.node.tryGetContext(key);
  if (value === undefined || value === null) return undefined;
  const text =
    typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : undefined;
  if (text === '') return undefined;
  const amount = text !== undefined && USD_PATTERN.test(text) ? Number(text) : Number.NaN;
  if (!(amount > 0)) {
    throw new Error(
      `${key} must be a positive amount of US dollars a month (50 or 12.50), got ${JSON.stringify(value)}`,
    );
  }
  return amount;
}

/** Context from `-c key=value` arrives as a string, from cdk.json as any JSON; blanks count as unset. */
function optionalString(scope: Construct, key: string): string | undefined {
  const value: unknown = scope.node.tryGetContext(key);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new Error(`${key} must be a string, got ${JSON.stringify(value)}`);
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/** `-c key=true` gives the string "true", cdk.json may give a JSON boolean; anything else is a typo. */
function optionalBoolean(scope: Construct, key: string): boolean | undefined {
  const value: unknown = scope.node.tryGetContext(key);
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const normalised = value.trim().toLowerCase();
    if (normalised === '') return undefined;
    if (normalised === 'true') return true;
    if (normalised === 'false') return false;
  }
  throw new Error(`${key} must be true or false, got ${JSON.stringify(value)}`);
}
