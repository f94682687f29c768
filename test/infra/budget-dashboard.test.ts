import { App, type CfnElement, type Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { type FunctionName, functions, outbox, queues, tables } from '../../functions/topology.ts';
import { readConfig } from '../../lib/config.ts';
import { type CfnResourceJson, resourcesOf, type SynthesisedDeskless, synthDeskless } from './synth.ts';

function ofType(template: Template, type: string): CfnResourceJson[] {
  return Object.values(resourcesOf(template)).filter((resource) => resource.Type === type);
}

function logicalIdOf(stack: Stack, construct: IConstruct): string {
  return stack.getLogicalId((construct.node.defaultChild ?? construct) as CfnElement);
}

/** The statements of the alarm topic's policy that let AWS Budgets publish. */
function budgetStatements(deskless: SynthesisedDeskless) {
  const topicId = logicalIdOf(deskless.stateful, deskless.stateful.alarmTopic);
  return ofType(deskless.statefulTemplate, 'AWS::SNS::TopicPolicy')
    .filter((policy) => policy.Properties.Topics.some((topic: { Ref?: string }) => topic.Ref === topicId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement)
    .filter((statement) => statement.Principal?.Service === 'budgets.amazonaws.com');
}

/** Where a weak cross-stack reference (Fn::GetStackOutput) points: the stateful output's value. */
function outputValue(deskless: SynthesisedDeskless, reference: unknown): unknown {
  const output = (reference as { 'Fn::GetStackOutput'?: { OutputName: string } })['Fn::GetStackOutput'];
  if (!output) return reference;
  return deskless.statefulTemplate.toJSON().Outputs[output.OutputName]?.Value;
}

describe('deskless:budgetMonthlyUsd', () => {
  const configOf = (context: Record<string, unknown>) => readConfig(new App({ context }));

  it('is absent unless set; -c gives a string, cdk.json a number', () => {
    expect(configOf({}).budgetMonthlyUsd).toBeUndefined();
    expect(configOf({ 'deskless:budgetMonthlyUsd': '  ' }).budgetMonthlyUsd).toBeUndefined();
    expect(configOf({ 'deskless:budgetMonthlyUsd': '50' }).budgetMonthlyUsd).toBe(50);
    expect(configOf({ 'deskless:budgetMonthlyUsd': ' 12.50 ' }).budgetMonthlyUsd).toBe(12.5);
    expect(configOf({ 'deskless:budgetMonthlyUsd': 300 }).budgetMonthlyUsd).toBe(300);
    expect(configOf({ 'deskless:budgetMonthlyUsd': 0.5 }).budgetMonthlyUsd).toBe(0.5);
  });

  it.each([
    ['0'],
    ['0.00'],
    ['-5'],
    [-5],
    [0],
    ['abc'],
    ['50 USD'],
    ['$50'],
    ['1e3'],
    ['0x10'],
    ['12.345'],
    [Number.POSITIVE_INFINITY],
    [true],
    [[50]],
  ])('rejects %j with a message naming the option', (value) => {
    expect(() => synthDeskless({ context: { 'deskless:budgetMonthlyUsd': value } })).toThrow(
      /deskless:budgetMonthlyUsd must be a positive amount of US dollars a month/,
    );
  });
});

describe('without a budget', () => {
  const deskless = synthDeskless();

  it('creates no budget and leaves the alarm topic closed to AWS Budgets', () => {
    for (const template of [deskless.statefulTemplate, deskless.statelessTemplate]) {
      expect(ofType(template, 'AWS::Budgets::Budget')).toEqual([]);
    }
    expect(deskless.stateless.budget).toBeUndefined();
    expect(budgetStatements(deskless)).toEqual([]);
  });
});

describe.each([
  {
    name: 'a budget from -c with an alarm email',
    context: { 'deskless:budgetMonthlyUsd': '250', 'deskless:alarmEmail': 'oncall@example.com' },
    stage: 'prod',
    amount: 250,
  },
  {
    name: 'a budget from cdk.json without an alarm email, another stage',
    context: { 'deskless:budgetMonthlyUsd': 12.5, 'deskless:stage': 'staging' },
    stage: 'staging',
    amount: 12.5,
  },
])('with $name', ({ context, stage, amount }) => {
  const deskless = synthDeskless({ context });
  const budgets = ofType(deskless.statelessTemplate, 'AWS::Budgets::Budget');
  const topicId = logicalIdOf(deskless.stateful, deskless.stateful.alarmTopic);

  it('creates one monthly cost budget in the stateless stack, named after the stage', () => {
    expect(budgets).toHaveLength(1);
    expect(ofType(deskless.statefulTemplate, 'AWS::Budgets::Budget')).toEqual([]);
    expect(budgets[0]!.Properties.Budget).toMatchObject({
      BudgetName: `Deskless-${stage}`,
      BudgetType: 'COST',
      TimeUnit: 'MONTHLY',
      BudgetLimit: { Amount: amount, Unit: 'USD' },
    });
  });

  it("counts only the costs tagged with this deployment's stage", () => {
    expect(budgets[0]!.Properties.Budget.CostFilters).toEqual({
      TagKeyValue: [`user:deskless:stage$${stage}`],
    });
  });

  it('notifies the alarm topic at 80 % and 100 % of the actual cost and at 100 % of the forecast', () => {
    const notifications = budgets[0]!.Properties.NotificationsWithSubscribers as Array<{
      Notification: Record<string, unknown>;
      Subscribers: Array<{ SubscriptionType: string; Address: unknown }>;
    }>;
    expect(notifications.map((n) => n.Notification)).toEqual([
      {
        NotificationType: 'ACTUAL',
        ComparisonOperator: 'GREATER_THAN',
        Threshold: 80,
        ThresholdType: 'PERCENTAGE',
      },
      {
        NotificationType: 'ACTUAL',
        ComparisonOperator: 'GREATER_THAN',
        Threshold: 100,
        ThresholdType: 'PERCENTAGE',
      },
      {
        NotificationType: 'FORECASTED',
        ComparisonOperator: 'GREATER_THAN',
        Threshold: 100,
        ThresholdType: 'PERCENTAGE',
      },
    ]);
    for (const { Subscribers } of notifications) {
      expect(Subscribers).toHaveLength(1);
      expect(Subscribers[0]!.SubscriptionType).toBe('SNS');
      expect(outputValue(deskless, Subscribers[0]!.Address)).toEqual({ Ref: topicId });
    }
  });

  it('lets AWS Budgets of this account, and only them, publish to the alarm topic', () => {
    expect(budgetStatements(deskless)).toEqual([
      {
        Sid: 'AllowBudgetNotifications',
        Effect: 'Allow',
        Principal: { Service: 'budgets.amazonaws.com' },
        Action: 'sns:Publish',
        Resource: { Ref: topicId },
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnLike: {
            'aws:SourceArn': {
              'Fn::Join': [
                '',
                ['arn:', { Ref: 'AWS::Partition' }, ':budgets::', { Ref: 'AWS::AccountId' }, ':*'],
              ],
            },
          },
        },
      },
    ]);
  });

  it('keeps the SSL-only statement of the topic policy', () => {
    const statements = ofType(deskless.statefulTemplate, 'AWS::SNS::TopicPolicy')
      .filter((policy) => policy.Properties.Topics.some((topic: { Ref?: string }) => topic.Ref === topicId))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
  });
});

/** A metric of a dashboard widget: `[namespace, name, dimension, value, …, {options}]`. */
type MetricRow = Array<string | Record<string, unknown>>;
interface Widget {
  type: string;
  width: number;
  height: number;
  properties: {
    title?: string;
    markdown?: string;
    metrics?: MetricRow[];
    annotations?: { horizontal?: Array<{ value: number; label?: string; yAxis?: string }> };
  };
}

/**
 * The dashboard body is an Fn::Join of JSON text and references. Each reference becomes a readable string
 * (`Ref:<id>`, `GetAtt:<id>.<attribute>`; a weak cross-stack reference reads through to the stateful output),
 * which keeps the JSON valid, since references only stand inside strings.
 */
function dashboardOf(deskless: SynthesisedDeskless): { name: string; widgets: Widget[] } {
  const [dashboard, ...others] = ofType(deskless.statelessTemplate, 'AWS::CloudWatch::Dashboard');
  expect(others).toEqual([]);
  const [separator, parts] = dashboard!.Properties.DashboardBody['Fn::Join'] as [string, unknown[]];
  const text = (part: unknown): string => {
    if (typeof part === 'string') return part;
    const value = outputValue(deskless, part) as Record<string, unknown>;
    if ('Ref' in value) return `Ref:${value.Ref}`;
    if ('Fn::GetAtt' in value) return `GetAtt:${(value['Fn::GetAtt'] as string[]).join('.')}`;
    throw new Error(`unexpected reference in the dashboard body: ${JSON.stringify(part)}`);
  };
  return {
    name: dashboard!.Properties.DashboardName,
    widgets: JSON.parse(parts.map(text).join(separator)).widgets,
  };
}

/** `[namespace, metric, …dimension, value]` of each metric of a widget, dimensions by name, options left out. */
function metricsOf(widget: Widget): string[][] {
  return (widget.properties.metrics ?? []).map((row) => {
    const [namespace, metric, ...dimensions] = row.filter((cell): cell is string => typeof cell === 'string');
    if (namespace === undefined || metric === undefined) return [];
    const pairs: Array<[string, string]> = [];
    for (let i = 0; i < dimensions.length; i += 2) pairs.push([dimensions[i]!, dimensions[i + 1]!]);
    pairs.sort(([a], [b]) => a.localeCompare(b));
    return [namespace, metric, ...pairs.flat()];
  });
}

describe('the dashboard', () => {
  const deskless = synthDeskless();
  const { stateful, stateless } = deskless;
  const { name, widgets } = dashboardOf(deskless);
  const titled = (title: string) => widgets.filter((widget) => widget.properties.title === title);
  const functionNames = Object.keys(functions) as FunctionName[];
  const functionRef = (fn: FunctionName) => `Ref:${logicalIdOf(stateless, stateless.functions[fn].function)}`;
  const queueName = (queue: IConstruct) => `GetAtt:${logicalIdOf(stateful, queue)}.QueueName`;

  it('is named after the stage and lives in the stateless stack', () => {
    expect(name).toBe('Deskless-prod');
    expect(ofType(deskless.statefulTemplate, 'AWS::CloudWatch::Dashboard')).toEqual([]);
  });

  it('names another stage after it', () => {
    const staging = dashboardOf(synthDeskless({ context: { 'deskless:stage': 'staging' } }));
    expect(staging.name).toBe('Deskless-staging');
  });

  it.each(functionNames)(
    'has a widget for function %s: invocations, errors, p99 duration and its timeout',
    (fn) => {
      const [widget, ...others] = titled(`function ${fn} (${functions[fn].memoryMb} MB)`);
      expect(others).toEqual([]);
      expect(metricsOf(widget!)).toEqual([
        ['AWS/Lambda', 'Invocations', 'FunctionName', functionRef(fn)],
        ['AWS/Lambda', 'Errors', 'FunctionName', functionRef(fn)],
        ['AWS/Lambda', 'Duration', 'FunctionName', functionRef(fn)],
      ]);
      const options = widget!.properties.metrics!.map((row) => row.at(-1) as Record<string, unknown>);
      expect(options.map((o) => o.stat)).toEqual(['Sum', 'Sum', 'p99']);
      expect(options[2]).toMatchObject({ yAxis: 'right' });
      expect(widget!.properties.annotations?.horizontal).toContainEqual(
        expect.objectContaining({ value: functions[fn].timeoutSeconds * 1000, yAxis: 'right' }),
      );
    },
  );

  it.each(queues.map((queue) => [queue.name, queue] as const))(
    'has a widget for queue %s: depth, age of the oldest message, its DLQ',
    (queue, definition) => {
      const consumer = definition.consumer ? ` → ${definition.consumer}` : '';
      const [widget, ...others] = titled(`queue ${queue}${consumer}`);
      expect(others).toEqual([]);
      const main = queueName(stateful.queues.get(queue)!);
      const dlq = queueName(stateful.deadLetterQueues.get(queue)!);
      expect(metricsOf(widget!)).toEqual([
        ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', main],
        ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', dlq],
        ['AWS/SQS', 'ApproximateAgeOfOldestMessage', 'QueueName', main],
      ]);
    },
  );

  it('shows the dead-letter queues outside the topology queues: the outbox and each schedule', () => {
    const [widget] = titled('other dead-letter queues');
    const depths = metricsOf(widget!);
    expect(depths).toContainEqual([
      'AWS/SQS',
      'ApproximateNumberOfMessagesVisible',
      'QueueName',
      queueName(stateful.outboxDeadLetterQueue),
    ]);
    const scheduleDlqs = stateless.node
      .findAll()
      .filter((construct) => construct.node.path.endsWith('Schedule/DeadLetterQueue'));
    expect(scheduleDlqs.length).toBeGreaterThan(0);
    for (const dlq of scheduleDlqs) {
      expect(depths).toContainEqual([
        'AWS/SQS',
        'ApproximateNumberOfMessagesVisible',
        'QueueName',
        queueName(dlq),
      ]);
    }
  });

  it('shows the outbox lag: the dispatcher iterator age against its alarm threshold', () => {
    const [widget] = widgets.filter((w) => w.properties.title?.startsWith('Outbox lag'));
    expect(metricsOf(widget!)).toEqual([
      ['AWS/Lambda', 'IteratorAge', 'FunctionName', functionRef(outbox.consumer)],
    ]);
    expect(widget!.properties.annotations?.horizontal?.[0]?.value).toBe(5 * 60 * 1000);
  });

  it('shows the HTTP API requests, 4xx and 5xx', () => {
    const apiId = `Ref:${logicalIdOf(stateless, stateless.httpApi.api)}`;
    const [widget] = titled('HTTP API: requests, 4xx, 5xx');
    expect(metricsOf(widget!)).toEqual([
      ['AWS/ApiGateway', 'Count', 'ApiId', apiId],
      ['AWS/ApiGateway', '4xx', 'ApiId', apiId],
      ['AWS/ApiGateway', '5xx', 'ApiId', apiId],
      ['AWS/ApiGateway', 'Latency', 'ApiId', apiId],
    ]);
  });

  it('shows the cost drivers: consumed units of the main table and of each of its indexes', () => {
    const tableName = `Ref:${logicalIdOf(stateful, stateful.tables.main)}`;
    const [widget] = titled('DynamoDB main table: consumed units');
    expect(metricsOf(widget!)).toEqual([
      ['AWS/DynamoDB', 'ConsumedReadCapacityUnits', 'TableName', tableName],
      ['AWS/DynamoDB', 'ConsumedWriteCapacityUnits', 'TableName', tableName],
      ...tables.main.indexes.map((index) => [
        'AWS/DynamoDB',
        'ConsumedWriteCapacityUnits',
        'GlobalSecondaryIndexName',
        index.name,
        'TableName',
        tableName,
      ]),
    ]);
    for (const row of widget!.properties.metrics!) {
      expect(row.at(-1)).toMatchObject({ stat: 'Sum' });
    }
  });

  it('shows the cost drivers: API requests, Lambda invocations and GB-seconds, SES sends', () => {
    expect(titled('API requests')).toHaveLength(1);
    const [invocations] = titled('Lambda invocations by function');
    expect(metricsOf(invocations!)).toEqual(
      functionNames.map((fn) => ['AWS/Lambda', 'Invocations', 'FunctionName', functionRef(fn)]),
    );
    const [gbSeconds] = titled('Lambda GB-seconds (all functions)');
    const expression = gbSeconds!.properties.metrics!.find(
      (row) => typeof row[0] === 'object' && 'expression' in row[0],
    )![0] as { expression: string };
    for (const fn of functionNames) {
      expect(expression.expression).toContain(`* ${functions[fn].memoryMb / 1024}`);
    }
    // The expression's inputs: every function's summed duration, hidden.
    const inputs = metricsOf(gbSeconds!).filter((row) => row.length > 0);
    expect(inputs).toEqual(
      functionNames.map((fn) => ['AWS/Lambda', 'Duration', 'FunctionName', functionRef(fn)]),
    );
    const [ses] = titled('SES outbound mail (whole account and region)');
    expect(metricsOf(ses!).map((row) => row.slice(0, 2))).toContainEqual(['AWS/SES', 'Send']);
  });

  it('lays every widget out on the 24-column grid', () => {
    for (const widget of widgets) {
      expect(widget.width).toBeGreaterThan(0);
      expect(widget.width).toBeLessThanOrEqual(24);
    }
  });
});
