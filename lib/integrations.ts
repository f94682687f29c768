import { Duration, Fn, SecretValue, Validations } from 'aws-cdk-lib';
import { MathExpression } from 'aws-cdk-lib/aws-cloudwatch';
import { Authorization, Connection, type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { SfnStateMachine } from 'aws-cdk-lib/aws-events-targets';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import {
  Choice,
  Condition,
  DefinitionBody,
  Fail,
  JitterType,
  LogLevel,
  Pass,
  QueryLanguage,
  StateMachine,
  StateMachineType,
  Succeed,
  TaskInput,
} from 'aws-cdk-lib/aws-stepfunctions';
import { HttpInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { type Expr, renderTemplate, toJsonata } from '../functions/core/integrations/expression.ts';
import {
  createIssueCall,
  describeTarget,
  issueLinkMapping,
  linkBackBody,
  needsIssue,
  newlyTagged,
  type TrackerTarget,
} from '../functions/core/integrations/trackers.ts';
import { eventBus as busDefinition } from '../functions/topology.ts';
import { addAlarm, addDeadLetterAlarm } from './alarms.ts';
import type { IntegrationConfig } from './integration-config.ts';

export interface DesklessIntegrationsProps {
  readonly stage: string;
  readonly integrations: readonly IntegrationConfig[];
  /** The Deskless bus the rules listen on. */
  readonly eventBus: IEventBus;
  /** The HTTP API's base URL without a trailing slash: `https://{id}.execute-api.{region}.amazonaws.com`. */
  readonly apiEndpoint: string;
  readonly alarmTopic: ITopic;
}

/** The domain events a tag arrives with: a ticket opened with it, or its tags changed. */
export const INTEGRATION_EVENTS = ['ticket.created', 'ticket.updated'] as const;

/** An HTTP task gives up after 60 s; a run does at most three calls with retries between them. */
const RUN_TIMEOUT = Duration.minutes(4);

const status = (...codes: number[]) => codes.map((code) => `States.Http.StatusCode.${code}`);

const jsonata = (expr: Expr) => `{% ${toJsonata(expr)} %}`;

/**
 * The engineering-tracker integrations (`deskless:integrations`): for each, an EventBridge rule on the Deskless bus
 * matching the tenant's tickets that gain the tag, starting an Express state machine that
 *
 * 1. checks the event is the tag being added (EventBridge cannot say "`from` does not contain"),
 * 2. reads the ticket from the Deskless API (subject, current tags, external links),
 * 3. stops unless the ticket still has the tag and has no issue of this target linked yet,
 * 4. creates the issue with the tracker's API (HTTP task, credentials from an EventBridge connection),
 * 5. links it back with `POST /v1/tickets/{number}/links` (idempotent by URL, so it is retried freely).
 *
 * Nothing of this runs locally: there is no Step Functions emulator in `npm start` (see docs/events.md).
 */
export class DesklessIntegrations extends Construct {
  readonly stateMachines = new Map<string, StateMachine>();
  readonly rules = new Map<string, Rule>();
  readonly trackerConnections = new Map<string, Connection>();
  /** One connection per Deskless API key secret (a key belongs to one tenant). */
  readonly desklessConnections = new Map<string, Connection>();
  /** Events EventBridge could not hand to a state machine (throttled, deleted) after its retries. */
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: DesklessIntegrationsProps) {
    super(scope, id);

    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself a dead-letter destination: where the integration rules put events they could not ' +
        'start a state machine for. Nothing consumes it automatically; it alarms and is redriven by hand.',
    });
    addDeadLetterAlarm(
      this,
      'DeadLetterAlarm',
      this.deadLetterQueue,
      'The engineering-tracker integrations (events that started no state machine)',
      props.alarmTopic,
    );

    for (const integration of props.integrations) this.addIntegration(integration, props);
  }

  private desklessConnection(secretArn: string, stage: string): Connection {
    const existing = this.desklessConnections.get(secretArn);
    if (existing) return existing;
    const key = SecretValue.secretsManager(secretArn).unsafeUnwrap();
    const connection = new Connection(this, `DesklessKey${this.desklessConnections.size + 1}`, {
      description: `Deskless ${stage}: the channel API key integrations link issues back with`,
      // The whole secret is the key; CloudFormation resolves it at deploy time into the connection's own secret.
      authorization: Authorization.apiKey('Authorization', new SecretValue(Fn.join('', ['Bearer ', key]))),
    });
    this.desklessConnections.set(secretArn, connection);
    return connection;
  }

  private trackerConnection(integration: IntegrationConfig, stage: string): Connection {
    const field = (name: string) =>
      SecretValue.secretsManager(integration.secretArn, { jsonField: name }).unsafeUnwrap();
    const description = `Deskless ${stage}: ${describeTarget(integration.target)} credentials`;
    const authorization = ((target: TrackerTarget) => {
      switch (target.kind) {
        case 'github':
          // A fine-grained token with Issues: read and write on the repository.
          return Authorization.apiKey(
            'Authorization',
            new SecretValue(Fn.join('', ['Bearer ', field('token')])),
          );
        case 'jira':
          // Atlassian Cloud: the account's email and an API token, as HTTP basic authentication.
          return Authorization.basic(field('email'), new SecretValue(field('apiToken')));
        case 'linear':
          // A personal API key goes in the Authorization header as it is, without a scheme.
          return Authorization.apiKey('Authorization', new SecretValue(field('apiKey')));
      }
    })(integration.target);
    const connection = new Connection(this, `${integration.id}Connection`, {
      description: description.slice(0, 512),
      authorization,
    });
    this.trackerConnections.set(integration.id, connection);
    return connection;
  }

  private addIntegration(integration: IntegrationConfig, props: DesklessIntegrationsProps): void {
    const { id, target, tag } = integration;
    const scope = new Construct(this, id);
    const tracker = this.trackerConnection(integration, props.stage);
    const deskless = this.desklessConnection(integration.apiKeySecretArn, props.stage);
    const ticketsRoot = `${props.apiEndpoint}/v1/tickets`;
    const ticketNumber = '$string($event.detail.ticket.number)';

    const remember = Pass.jsonata(scope, 'Remember the event', {
      comment: 'Keeps the EventBridge event as $event for every later state.',
      assign: { event: '{% $states.input %}' },
    });
    const nothingToDo = Succeed.jsonata(scope, 'Nothing to do', {
      comment: 'The tag was there already, is gone again, or the ticket links to an issue of this target.',
    });
    const readTicket = HttpInvoke.jsonata(scope, 'Read the ticket', {
      comment: 'GET /v1/tickets/{number}: subject, current tags and external links.',
      apiRoot: ticketsRoot,
      apiEndpoint: TaskInput.fromText(`{% ${ticketNumber} %}`),
      method: TaskInput.fromText('GET'),
      connection: deskless,
      headers: TaskInput.fromObject({ Accept: 'application/json' }),
      assign: { ticket: '{% $states.result.ResponseBody %}' },
    });
    readTicket.addRetry({
      errors: ['States.Http.Socket', ...status(429, 500, 502, 503, 504)],
      interval: Duration.seconds(2),
      maxAttempts: 4,
      backoffRate: 2,
      jitterStrategy: JitterType.FULL,
    });

    const call = createIssueCall(target, tag);
    const createIssue = HttpInvoke.jsonata(scope, 'Create the issue', {
      comment: `${call.method} ${call.apiRoot}/${call.endpoint}`,
      apiRoot: call.apiRoot,
      apiEndpoint: TaskInput.fromText(call.endpoint),
      method: TaskInput.fromText(call.method),
      connection: tracker,
      headers: TaskInput.fromObject({ ...call.headers }),
      body: TaskInput.fromObject(renderTemplate(call.body) as Record<string, unknown>),
      assign: { issue: '{% $states.result.ResponseBody %}' },
    });
    // Only answers that say nothing was created are retried (429 throttled, 503 unavailable): a timeout, a 500
    // or a gateway's 502/504 may have created the issue already, and a retry would open a second one.
    createIssue.addRetry({
      errors: status(429, 503),
      interval: Duration.seconds(5),
      maxAttempts: 3,
      backoffRate: 2,
      jitterStrategy: JitterType.FULL,
    });

    const mapping = issueLinkMapping(target);
    const noIssue = Fail.jsonata(scope, 'The tracker made no issue', {
      comment: 'The answer holds no issue (a GraphQL error answered with 200); the execution log has it.',
      error: 'Deskless.NoIssueCreated',
      cause: `${describeTarget(target)} answered without an issue`,
    });
    const linkBack = HttpInvoke.jsonata(scope, 'Link the issue to the ticket', {
      comment: 'POST /v1/tickets/{number}/links: idempotent by URL, so retrying it is always safe.',
      apiRoot: ticketsRoot,
      apiEndpoint: TaskInput.fromText(`{% ${ticketNumber} & "/links" %}`),
      method: TaskInput.fromText('POST'),
      connection: deskless,
      headers: TaskInput.fromObject({ 'Content-Type': 'application/json', Accept: 'application/json' }),
      body: TaskInput.fromObject(renderTemplate(linkBackBody(target)) as Record<string, unknown>),
    });
    linkBack.addRetry({
      // 409: the ticket was being changed by others at that moment.
      errors: ['States.Http.Socket', ...status(409, 429, 500, 502, 503, 504)],
      interval: Duration.seconds(2),
      maxAttempts: 6,
      backoffRate: 2,
      jitterStrategy: JitterType.FULL,
    });
    const linked = Succeed.jsonata(scope, 'Linked');

    const definition = remember.next(
      Choice.jsonata(scope, 'Is the tag new?')
        .when(Condition.jsonata(jsonata(newlyTagged(tag))), readTicket)
        .otherwise(nothingToDo),
    );
    readTicket.next(
      Choice.jsonata(scope, 'Does it need an issue?')
        .when(Condition.jsonata(jsonata(needsIssue(target, tag))), createIssue)
        .otherwise(nothingToDo),
    );
    createIssue.next(
      Choice.jsonata(scope, 'Was an issue made?')
        .when(Condition.jsonata(jsonata(mapping.created)), linkBack.next(linked))
        .otherwise(noIssue),
    );

    const logs = new LogGroup(scope, 'Logs', {
      logGroupName: `/aws/vendedlogs/states/deskless-${props.stage}-${id}`,
      retention: RetentionDays.ONE_MONTH,
    });
    const stateMachine = new StateMachine(scope, 'StateMachine', {
      comment: `Deskless ${props.stage}: an issue in ${describeTarget(target)} for tickets of ${integration.tenant} tagged "${tag}"`,
      stateMachineType: StateMachineType.EXPRESS,
      queryLanguage: QueryLanguage.JSONATA,
      definitionBody: DefinitionBody.fromChainable(definition),
      timeout: RUN_TIMEOUT,
      tracingEnabled: true,
      // Express runs keep no history: the log is where a failed run is read (the ticket fields and the tracker's
      // answers are in it; the credentials never are, the connections add them).
      logs: { destination: logs, level: LogLevel.ALL, includeExecutionData: true },
    });
    Validations.of(stateMachine.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only actions without resource-level permissions: states:InvokeHTTPEndpoint (conditioned on ' +
        'states:HTTPEndpoint to the tracker API and the Deskless tickets API), the CloudWatch Logs delivery ' +
        'actions Step Functions logging needs, and X-Ray PutTraceSegments/PutTelemetryRecords.',
    });
    this.stateMachines.set(id, stateMachine);

    addAlarm(scope, 'FailedAlarm', {
      metric: new MathExpression({
        expression: 'failed + timedOut',
        usingMetrics: {
          failed: stateMachine.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' }),
          timedOut: stateMachine.metricTimedOut({ period: Duration.minutes(5), statistic: 'Sum' }),
        },
        period: Duration.minutes(5),
        label: 'failed or timed-out runs',
      }),
      description:
        `The ${describeTarget(target)} integration failed for a ticket (tracker or Deskless API refused, or ` +
        'unreachable); its log group has the run. Tag the ticket again, or link the issue by hand.',
      above: 0,
      topic: props.alarmTopic,
    });

    const rule = new Rule(scope, 'Rule', {
      eventBus: props.eventBus,
      description: `Tickets of ${integration.tenant} tagged "${tag}" → ${describeTarget(target)}`.slice(
        0,
        512,
      ),
      eventPattern: integrationPattern(integration),
      targets: [
        new SfnStateMachine(stateMachine, {
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: 8,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });
    this.rules.set(id, rule);
  }
}

/**
 * The events of the tenant's tickets that gain the tag: opened with it (`ticket.created` carries the tags), or
 * a change of the tags whose new list has it (EventBridge matches a list when it contains the value). Whether
 * the old list lacked it is the state machine's first check.
 */
export function integrationPattern(integration: Pick<IntegrationConfig, 'tenant' | 'tag'>) {
  return {
    source: [busDefinition.source],
    detailType: [...INTEGRATION_EVENTS],
    detail: {
      tenantId: [integration.tenant],
      $or: [
        { type: ['ticket.created'], data: { tags: [integration.tag] } },
        { type: ['ticket.updated'], data: { field: ['tags'], to: [integration.tag] } },
      ],
    },
  };
}
