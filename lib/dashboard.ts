import { Duration } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Dashboard,
  GraphWidget,
  type IMetric,
  type IWidget,
  MathExpression,
  Metric,
  TextWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  type FunctionName,
  functions,
  outbox,
  type QueueDefinition,
  queues,
  type TableDefinition,
  tables,
} from '../functions/topology.ts';

type TableKey = keyof typeof tables;

export interface DesklessDashboardProps {
  readonly stage: string;
  /** The built functions, by topology name. */
  readonly functions: Readonly<Record<FunctionName, { readonly function: IFunction }>>;
  /** The built subscriber queues and their DLQs, by topology name. */
  readonly queues: ReadonlyMap<string, IQueue>;
  readonly deadLetterQueues: ReadonlyMap<string, IQueue>;
  /** Dead-letter queues outside the topology's queues (the outbox's, the schedules'), by what they hold. */
  readonly otherDeadLetterQueues: ReadonlyMap<string, IQueue>;
  readonly httpApi: IHttpApi;
  readonly tables: Readonly<Record<TableKey, ITable>>;
}

const PERIOD = Duration.minutes(5);
const FULL = 24;
const HEIGHT = 6;

const sum = { period: PERIOD, statistic: 'Sum' } as const;
const max = { period: PERIOD, statistic: 'Maximum' } as const;
const p99 = { period: PERIOD, statistic: 'p99' } as const;

/**
 * The operator's one page: `Deskless-<stage>`. First what the bill grows with (requests, Lambda GB-seconds,
 * DynamoDB units, mail), then the outbox, one graph per function (invocations, errors, p99 duration against
 * its timeout), one per queue (depth, age of the oldest message, its DLQ), and the HTTP API. Built from
 * topology.ts: a function or queue added there gets its graph without a change here.
 */
export class DesklessDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: DesklessDashboardProps) {
    super(scope, id);
    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: `Deskless-${props.stage}` });

    this.dashboard.addWidgets(
      new TextWidget({
        markdown:
          `# Deskless ${props.stage}\n` +
          'Cost drivers first (sums per 5 minutes), then the outbox, each function, each queue and the HTTP API. ' +
          'A dead-letter queue above 0 has an alarm: inspect the messages, fix the cause, then redrive.',
        width: FULL,
        height: 2,
      }),
    );
    this.section('Cost drivers', this.costWidgets(props));
    this.section('Outbox', this.outboxWidgets(props));
    this.section(
      'Functions',
      (Object.keys(functions) as FunctionName[]).map((name) =>
        functionWidget(name, builtFunction(props, name)),
      ),
    );
    this.section('Queues', [
      ...queues.map((definition) => queueWidget(definition, props)),
      ...(props.otherDeadLetterQueues.size > 0 ? [otherDeadLettersWidget(props.otherDeadLetterQueues)] : []),
    ]);
    this.section('HTTP API', [apiWidget(props.httpApi)]);
  }

  private section(title: string, widgets: readonly IWidget[]): void {
    this.dashboard.addWidgets(new TextWidget({ markdown: `## ${title}`, width: FULL, height: 1 }));
    this.dashboard.addWidgets(...widgets);
  }

  private costWidgets(props: DesklessDashboardProps): IWidget[] {
    const names = Object.keys(functions) as FunctionName[];
    return [
      new GraphWidget({
        title: 'API requests',
        left: [props.httpApi.metricCount({ ...sum, label: 'requests' })],
        width: 6,
        height: HEIGHT,
      }),
      new GraphWidget({
        title: 'Lambda invocations by function',
        left: names.map((name) => builtFunction(props, name).metricInvocations({ ...sum, label: name })),
        stacked: true,
        width: 6,
        height: HEIGHT,
      }),
      new GraphWidget({
        title: 'Lambda GB-seconds (all functions)',
        left: [lambdaGbSeconds(props)],
        width: 6,
        height: HEIGHT,
      }),
      ...(Object.keys(tables) as TableKey[]).map((key) =>
        tableWidget(tables[key], props.tables[key] ?? missing('table', key)),
      ),
      new GraphWidget({
        title: 'SES outbound mail (whole account and region)',
        left: ['Send', 'Delivery', 'Bounce', 'Complaint', 'Reject'].map(
          (metricName) => new Metric({ namespace: 'AWS/SES', metricName, ...sum, label: metricName }),
        ),
        width: 6,
        height: HEIGHT,
      }),
    ];
  }

  private outboxWidgets(props: DesklessDashboardProps): IWidget[] {
    const consumer = builtFunction(props, outbox.consumer);
    return [
      new GraphWidget({
        title: `Outbox lag: ${outbox.consumer} iterator age (ms)`,
        left: [consumer.metric('IteratorAge', { ...max, label: 'iterator age (max)' })],
        leftAnnotations: [{ value: Duration.minutes(5).toMilliseconds(), label: 'alarm' }],
        width: 12,
        height: HEIGHT,
      }),
    ];
  }
}

/** Invocations and errors on the left, p99 duration against the timeout on the right. */
function functionWidget(name: FunctionName, fn: IFunction): GraphWidget {
  const definition = functions[name];
  return new GraphWidget({
    title: `function ${name} (${definition.memoryMb} MB)`,
    left: [
      fn.metricInvocations({ ...sum, label: 'invocations' }),
      fn.metricErrors({ ...sum, label: 'errors', color: '#d62728' }),
    ],
    right: [fn.metricDuration({ ...p99, label: 'duration p99 (ms)' })],
    rightAnnotations: [{ value: definition.timeoutSeconds * 1000, label: 'timeout' }],
    width: 8,
    height: HEIGHT,
  });
}

/** Messages waiting and in the DLQ on the left, age of the oldest on the right. */
function queueWidget(definition: QueueDefinition, props: DesklessDashboardProps): GraphWidget {
  const { name } = definition;
  const queue = props.queues.get(name) ?? missing('queue', name);
  const deadLetters = props.deadLetterQueues.get(name) ?? missing('dead-letter queue', name);
  return new GraphWidget({
    title: `queue ${name}${definition.consumer ? ` → ${definition.consumer}` : ''}`,
    left: [
      queue.metricApproximateNumberOfMessagesVisible({ ...max, label: 'visible' }),
      deadLetters.metricApproximateNumberOfMessagesVisible({ ...max, label: 'in DLQ', color: '#d62728' }),
    ],
    right: [queue.metricApproximateAgeOfOldestMessage({ ...max, label: 'oldest message age (s)' })],
    width: 8,
    height: HEIGHT,
  });
}

function otherDeadLettersWidget(deadLetterQueues: ReadonlyMap<string, IQueue>): GraphWidget {
  return new GraphWidget({
    title: 'other dead-letter queues',
    left: [...deadLetterQueues].map(([label, queue]) =>
      queue.metricApproximateNumberOfMessagesVisible({ ...max, label }),
    ),
    width: 8,
    height: HEIGHT,
  });
}

/** On-demand capacity is billed by the unit consumed; each index write is a write of its own. */
function tableWidget(definition: TableDefinition, table: ITable): GraphWidget {
  const indexWrites = definition.indexes.map(
    (index) =>
      new Metric({
        namespace: 'AWS/DynamoDB',
        metricName: 'ConsumedWriteCapacityUnits',
        dimensionsMap: { TableName: table.tableName, GlobalSecondaryIndexName: index.name },
        ...sum,
        label: `${index.name} write units`,
      }),
  );
  return new GraphWidget({
    title: `DynamoDB ${definition.name} table: consumed units`,
    left: [
      table.metricConsumedReadCapacityUnits({ ...sum, label: 'read units' }),
      table.metricConsumedWriteCapacityUnits({ ...sum, label: 'write units' }),
    ],
    ...(indexWrites.length > 0 && { right: indexWrites }),
    width: 6,
    height: HEIGHT,
  });
}

function apiWidget(api: IHttpApi): GraphWidget {
  return new GraphWidget({
    title: 'HTTP API: requests, 4xx, 5xx',
    left: [
      api.metricCount({ ...sum, label: 'requests' }),
      api.metricClientError({ ...sum, label: '4xx', color: '#ff7f0e' }),
      api.metricServerError({ ...sum, label: '5xx', color: '#d62728' }),
    ],
    right: [api.metricLatency({ ...p99, label: 'latency p99 (ms)' })],
    width: 12,
    height: HEIGHT,
  });
}

/** Σ duration × memory: what Lambda bills besides requests, from each function's memory in topology.ts. */
function lambdaGbSeconds(props: DesklessDashboardProps): IMetric {
  const names = Object.keys(functions) as FunctionName[];
  const usingMetrics: Record<string, IMetric> = {};
  const terms: string[] = [];
  names.forEach((name, i) => {
    usingMetrics[`d${i}`] = builtFunction(props, name).metricDuration(sum);
    terms.push(`FILL(d${i}, 0) * ${functions[name].memoryMb / 1024}`);
  });
  return new MathExpression({
    expression: `(${terms.join(' + ')}) / 1000`,
    usingMetrics,
    label: 'GB-seconds',
    period: PERIOD,
  });
}

function builtFunction(props: DesklessDashboardProps, name: FunctionName): IFunction {
  return props.functions[name]?.function ?? missing('function', name);
}

function missing(what: string, name: string): never {
  throw new Error(`dashboard: ${what} "${name}" of topology.ts was not built`);
}
