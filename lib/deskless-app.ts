import { type App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readConfig } from './config.ts';
import { StatefulStack } from './stateful-stack.ts';
import { StatelessStack } from './stateless-stack.ts';

export interface DesklessStacks {
  readonly stateful: StatefulStack;
  readonly stateless: StatelessStack;
}

/**
 * Adds one Deskless deployment to `app`, configured from its context. bin/deskless.ts and the infra tests
 * both call this, so the tests check exactly what `cdk deploy` ships, cdk-nag included.
 */
export function addDeskless(app: App): DesklessStacks {
  const config = readConfig(app);

  // Stacks stay environment-agnostic: synth needs no credentials, the deploying profile picks the account.
  const stateful = new StatefulStack(app, `Deskless-${config.stage}-Stateful`, {
    description: `Deskless ${config.stage}: tables, mail bucket, SES receipt rules, event bus, queues, secrets`,
    stage: config.stage,
    alarmEmail: config.alarmEmail,
    mailRecipients: config.mailRecipients,
    replaceActiveRuleSet: config.replaceActiveRuleSet,
  });
  const stateless = new StatelessStack(app, `Deskless-${config.stage}-Stateless`, {
    description: `Deskless ${config.stage}: functions, HTTP API, alarms, dashboard`,
    stage: config.stage,
    stateful,
    ...(config.budgetMonthlyUsd !== undefined && { budgetMonthlyUsd: config.budgetMonthlyUsd }),
    ...(config.priceOverrides !== undefined && { priceOverrides: config.priceOverrides }),
    integrations: config.integrations,
    ...(config.bedrockModelId !== undefined && {
      bedrock: { modelId: config.bedrockModelId, timeoutMs: config.bedrockTimeoutMs },
    }),
  });

  Tags.of(app).add('deskless:app', 'deskless');
  Tags.of(app).add('deskless:stage', config.stage);
  Tags.of(app).add('deskless:cost-centre', config.costCentre);

  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { stateful, stateless };
}
