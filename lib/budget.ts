import { Stack } from 'aws-cdk-lib';
import { CfnBudget } from 'aws-cdk-lib/aws-budgets';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

/** The tag every Deskless resource carries (lib/deskless-app.ts); the budget counts the costs tagged with it. */
export const STAGE_TAG = 'deskless:stage';

/**
 * When the budget notifies, in percent of the monthly amount: early warning, reached, and on course to overrun
 * (the forecast, so an overrun is announced before the month's actual cost gets there).
 */
export const BUDGET_NOTIFICATIONS = [
  { type: 'ACTUAL', percent: 80 },
  { type: 'ACTUAL', percent: 100 },
  { type: 'FORECASTED', percent: 100 },
] as const;

export interface DesklessBudgetProps {
  readonly stage: string;
  /** The monthly amount, in US dollars. */
  readonly monthlyUsd: number;
  /** The alarm topic: the budget publishes to it, and whoever watches the alarms learns of the spend too. */
  readonly topic: Topic;
}

/**
 * A monthly AWS Budgets cost budget over this deployment's resources: the costs tagged `deskless:stage` with
 * the stage (a cost allocation tag, which must be activated in the Billing console before AWS counts it).
 * Budgets are global, so the budget covers the stage in every region, and its name (`Deskless-<stage>`) is
 * unique in the account: one budget per stage.
 *
 * Its notifications go to the alarm topic; the topic's policy lets AWS Budgets of this account publish to it.
 */
export class DesklessBudget extends Construct {
  readonly budget: CfnBudget;
  readonly budgetName: string;

  constructor(scope: Construct, id: string, props: DesklessBudgetProps) {
    super(scope, id);
    if (!(Number.isFinite(props.monthlyUsd) && props.monthlyUsd > 0)) {
      throw new Error(`a budget needs a positive monthly amount in USD, got ${props.monthlyUsd}`);
    }
    this.budgetName = `Deskless-${props.stage}`;
    allowBudgetsToPublish(props.topic);

    this.budget = new CfnBudget(this, 'Budget', {
      budget: {
        budgetName: this.budgetName,
        budgetType: 'COST',
        timeUnit: 'MONTHLY',
        budgetLimit: { amount: props.monthlyUsd, unit: 'USD' },
        costFilters: { TagKeyValue: [stageCostFilter(props.stage)] },
      },
      notificationsWithSubscribers: BUDGET_NOTIFICATIONS.map(({ type, percent }) => ({
        notification: {
          notificationType: type,
          comparisonOperator: 'GREATER_THAN',
          threshold: percent,
          thresholdType: 'PERCENTAGE',
        },
        subscribers: [{ subscriptionType: 'SNS', address: props.topic.topicArn }],
      })),
    });
  }
}

/** Cost Explorer's form of a tag filter: `user:<key>$<value>` (`user:` marks a user-defined tag). */
export function stageCostFilter(stage: string): string {
  return `user:${STAGE_TAG}$${stage}`;
}

/**
 * AWS Budgets publishes to a topic only if the topic's policy allows it; only budgets of the topic's own
 * account may (confused-deputy protection). The statement goes to the topic's stack, whichever stack asks.
 */
export function allowBudgetsToPublish(topic: Topic): void {
  const stack = Stack.of(topic);
  topic.addToResourcePolicy(
    new PolicyStatement({
      sid: 'AllowBudgetNotifications',
      principals: [new ServicePrincipal('budgets.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: { 'aws:SourceArn': `arn:${stack.partition}:budgets::${stack.account}:*` },
      },
    }),
  );
}
