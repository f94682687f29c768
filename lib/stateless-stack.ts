import {
  ArnFormat,
  CfnOutput,
  CrossStackReferences,
  Duration,
  Fn,
  ReferenceStrength,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { TRIAGE_ENV } from '../functions/adapters/bedrock/config.ts';
import { TWILIO_SECRET_PREFIX } from '../functions/core/channels/sms.ts';
import {
  authorizerCacheSeconds,
  buckets,
  env,
  eventBus,
  type FunctionDefinition,
  type FunctionName,
  functions,
  mail,
  outbox,
  queues,
  routes,
  schedules,
  tables,
} from '../functions/topology.ts';
import { addAlarm } from './alarms.ts';
import { grantBucketAccess } from './bucket-access.ts';
import { DesklessBudget } from './budget.ts';
import { DesklessDashboard } from './dashboard.ts';
import { DesklessHttpApi } from './http-api.ts';
import type { IntegrationConfig } from './integration-config.ts';
import { DesklessIntegrations } from './integrations.ts';
import { pascal } from './names.ts';
import type { StatefulResources } from './stateful-stack.ts';
import { plainQueueSenders } from './subscriber-queue.ts';
import { TopologySchedule } from './sweeper-schedule.ts';
import { grantItemAccess, grantUsageCounterWrites } from './table-access.ts';
import { TopologyFunction } from './topology-function.ts';

export interface StatelessStackProps extends StackProps {
  readonly stage: string;
  readonly stateful: StatefulResources;
  /** Triage with Amazon Bedrock (falling back to the built-in classifier); absent: built-in only. */
  readonly bedrock?: { readonly modelId: string; readonly timeoutMs?: number | undefined };
  /** A monthly AWS Budgets cost budget over the stage's resources, notifying the alarm topic; absent: none. */
  readonly budgetMonthlyUsd?: number;
  /** The deployment's own prices (validated JSON) for the functions that price usage. */
  readonly priceOverrides?: string;
  /** Engineering-tracker integrations (lib/integrations.ts); none: nothing is built for them. */
  readonly integrations?: readonly IntegrationConfig[];
}

/** Code and wiring: safe to destroy and redeploy at any time, nothing here holds data. */
export class StatelessStack extends Stack {
  readonly functions: Readonly<Record<FunctionName, TopologyFunction>>;
  readonly httpApi: DesklessHttpApi;
  readonly dashboard: DesklessDashboard;
  readonly budget?: DesklessBudget;
  readonly integrations?: DesklessIntegrations;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    // Read the stateful stack's outputs (Fn::GetStackOutput) instead of importing its exports: an export in
    // use can never be removed, so dropping a queue from topology.ts would deadlock both stacks. The
    // stateful resources are retained and deletion-protected, which is the safety strong references add.
    CrossStackReferences.of(this).consume(ReferenceStrength.WEAK);
    const { stateful, stage } = props;

    // A plain queue without a sender, or a sender without its queue, fails synth by name.
    plainQueueSenders(queues, functions);
    const built: Partial<Record<FunctionName, TopologyFunction>> = {};
    for (const name of Object.keys(functions) as FunctionName[]) {
      built[name] = this.buildFunction(name, stage, stateful, props.bedrock, props.priceOverrides);
    }
    this.functions = built as Record<FunctionName, TopologyFunction>;

    this.httpApi = new DesklessHttpApi(this, 'Http', {
      stage,
      routes,
      handler: this.functions.api.function,
      authorizer: this.functions.authorizer.function,
      authorizerCache: Duration.seconds(authorizerCacheSeconds),
    });
    // Functions that put links to the API in what they send (survey links) learn its URL. They are built before
    // the API (which needs the api function), so the URL is added afterwards. No cycle: the API depends on the
    // api and authorizer functions only, and its URL is made of its id (the `$default` stage's
    // `https://{id}.execute-api.{region}.{suffix}/`).
    for (const name of Object.keys(functions) as FunctionName[]) {
      const definition: FunctionDefinition = functions[name];
      if (!definition.linksToApi) continue;
      if (name === 'api' || name === 'authorizer') {
        throw new Error(`function "${name}" cannot link to the API: the API is built from it`);
      }
      this.functions[name].function.addEnvironment(env.publicApiUrl, this.httpApi.url);
    }

    this.connectOutbox(stateful);
    this.connectQueues(stateful);
    const scheduleDeadLetters = new Map<string, IQueue>();
    for (const schedule of schedules) {
      const built = new TopologySchedule(this, `${pascal(schedule.name)}Schedule`, {
        stage,
        definition: schedule,
        target: this.functions[schedule.target].function,
        alarmTopic: stateful.alarmTopic,
      });
      scheduleDeadLetters.set(`${schedule.name} schedule`, built.deadLetterQueue);
    }
    this.addAlarms(stateful);
    if (props.integrations && props.integrations.length > 0) {
      this.integrations = new DesklessIntegrations(this, 'Integrations', {
        stage,
        integrations: props.integrations,
        eventBus: stateful.eventBus,
        // The API's default endpoint (no trailing slash): what the state machines call and are allowed to call.
        apiEndpoint: this.httpApi.api.apiEndpoint,
        alarmTopic: stateful.alarmTopic,
      });
    }
    this.dashboard = new DesklessDashboard(this, 'Dashboard', {
      stage,
      functions: this.functions,
      queues: stateful.queues,
      deadLetterQueues: stateful.deadLetterQueues,
      otherDeadLetterQueues: new Map([['outbox', stateful.outboxDeadLetterQueue], ...scheduleDeadLetters]),
      httpApi: this.httpApi.api,
      tables: stateful.tables,
    });
    if (props.budgetMonthlyUsd !== undefined) {
      this.budget = new DesklessBudget(this, 'Budget', {
        stage,
        monthlyUsd: props.budgetMonthlyUsd,
        topic: stateful.alarmTopic,
      });
    }

    new CfnOutput(this, 'ApiUrl', { value: this.httpApi.url, description: 'Base URL of the HTTP API' });
    new CfnOutput(this, 'OperatorKeySecretArn', {
      value: stateful.operatorKey.secretArn,
      description: 'Secrets Manager secret holding the operator API key',
    });
    new CfnOutput(this, 'TableName', { value: stateful.tables.main.tableName, description: 'Main table' });
    new CfnOutput(this, 'EventBusName', {
      value: stateful.eventBus.eventBusName,
      description: 'Domain event bus',
    });
  }

  /** Environment and grants follow from what topology.ts says the function touches, and nothing more. */
  private buildFunction(
    name: FunctionName,
    stage: string,
    stateful: StatefulResources,
    bedrock: StatelessStackProps['bedrock'],
    priceOverrides?: string,
  ): TopologyFunction {
    const definition: FunctionDefinition = functions[name];
    const environment: Record<string, string> = {
      [env.stage]: stage,
      POWERTOOLS_SERVICE_NAME: 'deskless',
    };
    for (const tableKey of definition.tables) {
      environment[tables[tableKey].envVar] = stateful.tables[tableKey].tableName;
    }
    if (definition.writesUsageCounters) {
      environment[tables.main.envVar] = stateful.tables.main.tableName;
    }
    if (definition.publishesEvents) {
      environment[eventBus.envVar] = stateful.eventBus.eventBusName;
    }
    if (definition.readsOperatorKey) {
      environment[env.operatorKeySecretArn] = stateful.operatorKey.secretArn;
    }
    for (const bucketKey of definition.buckets ?? []) {
      environment[buckets[bucketKey].envVar] = stateful.buckets[bucketKey].bucketName;
    }
    if (definition.readsReplySecret) {
      environment[mail.replySecretArnEnvVar] = stateful.replySecret.secretArn;
    }
    const sendsTo = (definition.sendsTo ?? []).map((queueName) => ({
      queue: this.queueOf(stateful, queueName),
      envVar: queues.find((queue) => queue.name === queueName)!.envVar!,
    }));
    for (const { queue, envVar } of sendsTo) environment[envVar] = queue.queueUrl;
    if (definition.pricesUsage && priceOverrides !== undefined)
      environment[env.priceOverrides] = priceOverrides;
    const usesBedrock = definition.invokesBedrock === true && bedrock !== undefined;
    if (usesBedrock) {
      environment[TRIAGE_ENV.classifier] = 'bedrock';
      environment[TRIAGE_ENV.bedrockModelId] = bedrock.modelId;
      if (bedrock.timeoutMs !== undefined)
        environment[TRIAGE_ENV.bedrockTimeoutMs] = String(bedrock.timeoutMs);
    }

    const fn = new TopologyFunction(this, pascal(name), { definition, environment });
    for (const tableKey of definition.tables) {
      grantItemAccess(stateful.tables[tableKey], tables[tableKey], fn.function);
    }
    if (definition.writesUsageCounters && !(definition.tables as readonly string[]).includes('main')) {
      grantUsageCounterWrites(stateful.tables.main, fn.function);
    }
    if (definition.publishesEvents) {
      stateful.eventBus.grantPutEventsTo(fn.function);
    }
    if (definition.readsOperatorKey) {
      stateful.operatorKey.grantRead(fn.function);
    }
    for (const bucketKey of definition.buckets ?? []) {
      const bucketArn = Fn.getStackOutput(stateful.stackName, stateful.bucketArnOutputs[bucketKey]);
      grantBucketAccess(fn, bucketArn, bucketKey, fn.role, name);
    }
    if (definition.readsReplySecret) {
      stateful.replySecret.grantRead(fn.function);
    }
    for (const { queue } of sendsTo) queue.grantSendMessages(fn.function);
    if (definition.sendsEmail) this.grantSendEmail(fn);
    if (definition.readsChannelSecrets) this.grantReadChannelSecrets(fn);
    if (usesBedrock) this.grantInvokeModel(fn, bedrock.modelId);
    return fn;
  }

  /**
   * bedrock:InvokeModel (what Converse authorises as) on the one model configured. A cross-region inference
   * profile (`us.…`, `eu.…`) also needs the model in each region the profile routes to.
   */
  private grantInvokeModel(fn: TopologyFunction, modelId: string): void {
    const profile = /^(us|eu|apac|us-gov|global)\.(.+)$/.exec(modelId);
    const resources = profile
      ? [
          this.formatArn({ service: 'bedrock', resource: 'inference-profile', resourceName: modelId }),
          this.formatArn({
            service: 'bedrock',
            region: '*',
            account: '',
            resource: 'foundation-model',
            resourceName: profile[2],
          }),
        ]
      : [
          this.formatArn({
            service: 'bedrock',
            account: '',
            resource: 'foundation-model',
            resourceName: modelId,
          }),
        ];
    fn.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['bedrock:InvokeModel'], resources }));
    if (profile) {
      Validations.of(fn.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:bedrock:*::foundation-model/${profile[2]}]`,
        reason:
          'A cross-region inference profile routes each call to one of several regions; the model must be ' +
          'invocable in each of them. The model itself is fixed.',
      });
    }
  }

  /**
   * secretsmanager:GetSecretValue on the tenants' channel credentials: secrets named `deskless/twilio/…` of this
   * account and region (the `-XXXXXX` suffix Secrets Manager appends is covered by the wildcard). Tenants name
   * theirs when they set a channel up, so no single ARN is known at deploy time; each tenant may use only its own
   * `deskless/twilio/<tenant>/…`, which the functions check before reading.
   */
  private grantReadChannelSecrets(fn: TopologyFunction): void {
    fn.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [
          this.formatArn({
            service: 'secretsmanager',
            resource: 'secret',
            resourceName: `${TWILIO_SECRET_PREFIX}*`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );
    Validations.of(fn.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:${TWILIO_SECRET_PREFIX}*]`,
      reason:
        'Tenants keep their Twilio auth tokens in secrets named deskless/twilio/<tenant>/…, created after ' +
        'deployment; the grant covers only that prefix of this account and region, and each tenant only its own.',
    });
  }

  /**
   * SES v2 SendEmail, raw MIME included (it authorises as both actions), from any identity verified in this
   * account and region. Deskless uses no configuration set; one added later needs its ARN here too.
   */
  private grantSendEmail(fn: TopologyFunction): void {
    fn.function.addToRolePolicy(
      new PolicyStatement({
        actions: ['ses:SendEmail', 'ses:SendRawEmail'],
        resources: [this.formatArn({ service: 'ses', resource: 'identity', resourceName: '*' })],
      }),
    );
    Validations.of(fn.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/*]',
      reason:
        "Mail is sent from each tenant's own support address or domain, verified in SES at run time and " +
        'unknown at deploy time; the wildcard covers only identities of this account and region.',
    });
  }

  /**
   * The stream is the outbox: only new timeline events (INSERTs under the `EV#` sort key prefix) reach the
   * dispatcher. A poison record is isolated by bisecting, and after the retries its batch goes to the DLQ
   * instead of blocking the shard.
   */
  private connectOutbox(stateful: StatefulResources): void {
    const sortKey = tables[outbox.table].sortKey;
    const consumer = this.functions[outbox.consumer];
    consumer.function.addEventSource(
      new DynamoEventSource(stateful.tables[outbox.table], {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: outbox.batchSize,
        maxBatchingWindow: Duration.seconds(outbox.maxBatchingWindowSeconds),
        retryAttempts: outbox.retryAttempts,
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        onFailure: new SqsDlq(stateful.outboxDeadLetterQueue),
        filters: [
          FilterCriteria.filter({
            eventName: FilterRule.isEqual('INSERT'),
            dynamodb: { Keys: { [sortKey]: { S: FilterRule.beginsWith(outbox.sortKeyPrefix) } } },
          }),
        ],
      }),
    );
    Validations.of(consumer.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'dynamodb:ListStreams, needed by the stream event source mapping, has no resource-level permissions; ' +
        'every other stream action is limited to the main table stream.',
    });
  }

  private connectQueues(stateful: StatefulResources): void {
    for (const definition of queues) {
      if (!definition.consumer) continue;
      const consumer = this.functions[definition.consumer];
      const queue = this.queueOf(stateful, definition.name);
      // Lambda refuses a mapping whose queue could redeliver a message while the function still runs it.
      if (definition.visibilityTimeoutSeconds < consumer.function.timeout!.toSeconds()) {
        throw new Error(
          `queue "${definition.name}": visibility timeout ${definition.visibilityTimeoutSeconds}s is shorter ` +
            `than the timeout of its consumer "${definition.consumer}"`,
        );
      }
      consumer.function.addEventSource(
        new SqsEventSource(queue, { batchSize: definition.batchSize, reportBatchItemFailures: true }),
      );
      if (definition.poisonToDeadLetter) {
        // The consumer moves poison messages to the DLQ itself (adapters/sqs/dead-letter.ts).
        stateful.deadLetterQueues.get(definition.name)?.grantSendMessages(consumer.function);
      }
    }
  }

  private queueOf(stateful: StatefulResources, name: string) {
    const queue = stateful.queues.get(name);
    if (!queue) throw new Error(`queue "${name}" was not built by the stateful stack`);
    return queue;
  }

  private addAlarms(stateful: StatefulResources): void {
    const topic = stateful.alarmTopic;
    const fiveMinutes = { period: Duration.minutes(5), statistic: 'Sum' };
    for (const name of Object.keys(functions) as FunctionName[]) {
      addAlarm(this, `${pascal(name)}ErrorsAlarm`, {
        metric: this.functions[name].function.metricErrors(fiveMinutes),
        description: `The ${name} function failed (errors, timeouts or crashes) in the last 5 minutes.`,
        above: 0,
        topic,
      });
    }
    addAlarm(this, 'Api5xxAlarm', {
      metric: this.httpApi.api.metricServerError(fiveMinutes),
      description:
        'The HTTP API answered 5xx; every bad input should be a 4xx, so this is a bug or an outage.',
      above: 0,
      topic,
    });
    addAlarm(this, 'OutboxLagAlarm', {
      metric: this.functions[outbox.consumer].function.metric('IteratorAge', {
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      description:
        'Domain events are published more than 5 minutes after they were written; the stream keeps records ' +
        'only 24 hours.',
      above: Duration.minutes(5).toMilliseconds(),
      topic,
    });
  }
}
