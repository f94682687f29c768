import type { CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
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
  tables,
} from '../../functions/topology.ts';
import { resourcesOf, synthDeskless } from './synth.ts';

const { stateless, statelessTemplate: template } = synthDeskless();
const resources = resourcesOf(template);
const functionNames = Object.keys(functions) as FunctionName[];

function logicalIdOf(construct: IConstruct): string {
  return stateless.getLogicalId(construct.node.defaultChild as CfnElement);
}

function propertiesOf(construct: IConstruct) {
  return resources[logicalIdOf(construct)]!.Properties;
}

function ofType(type: string) {
  return Object.values(resources).filter((resource) => resource.Type === type);
}

describe.each(functionNames)('function %s', (name) => {
  const definition: FunctionDefinition = functions[name];
  const built = stateless.functions[name];
  const properties = propertiesOf(built.function);

  it('runs the latest Node.js on arm64 with the memory and timeout of topology.ts', () => {
    expect(properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: definition.memoryMb,
      Timeout: definition.timeoutSeconds,
    });
  });

  it('logs to its own log group, kept one month', () => {
    expect(properties.LoggingConfig).toEqual({ LogGroup: { Ref: logicalIdOf(built.logGroup) } });
    expect(propertiesOf(built.logGroup).RetentionInDays).toBe(30);
  });

  it('gets exactly the environment its topology entry implies', () => {
    const expected = [
      env.stage,
      'POWERTOOLS_SERVICE_NAME',
      'NODE_OPTIONS',
      ...definition.tables.map((table) => tables[table].envVar),
      ...(definition.writesUsageCounters ? [tables.main.envVar] : []),
      ...(definition.publishesEvents ? [eventBus.envVar] : []),
      ...(definition.readsOperatorKey ? [env.operatorKeySecretArn] : []),
      ...(definition.buckets ?? []).map((bucket) => buckets[bucket].envVar),
      ...(definition.readsReplySecret ? [mail.replySecretArnEnvVar] : []),
      ...(definition.linksToApi ? [env.publicApiUrl] : []),
      ...(definition.sendsTo ?? []).map((name) => queues.find((queue) => queue.name === name)!.envVar!),
    ];
    const variables = properties.Environment.Variables;
    expect(Object.keys(variables).sort()).toEqual(expected.sort());
    expect(variables[env.stage]).toBe('prod');
    expect(variables.POWERTOOLS_SERVICE_NAME).toBe('deskless');
    expect(variables.NODE_OPTIONS).toBe('--enable-source-maps');
  });

  it('may touch only its tables, their named indexes, and never Scan', () => {
    const policy = Object.values(resources).find(
      (resource) =>
        resource.Type === 'AWS::IAM::Policy' &&
        resource.Properties.Roles.some((role: { Ref: string }) => role.Ref === logicalIdOf(built.role)),
    );
    const statements: Array<{ Action: string | string[]; Resource: unknown; Condition?: unknown }> =
      policy!.Properties.PolicyDocument.Statement;
    const actions = statements.flatMap((statement) => statement.Action);
    expect(actions).not.toContain('dynamodb:Scan');
    expect(JSON.stringify(statements)).not.toContain('/index/*');
    const itemStatement = statements.find((statement) =>
      [statement.Action].flat().includes('dynamodb:PutItem'),
    );
    const usageStatements = statements.filter((statement) =>
      JSON.stringify(statement.Condition ?? {}).includes('dynamodb:LeadingKeys'),
    );
    if (definition.writesUsageCounters && definition.tables.length === 0) {
      // Only the ADDs of its own usage counters: UpdateItem on the main table, on usage counter keys only.
      expect(usageStatements).toEqual([
        {
          Effect: 'Allow',
          Action: 'dynamodb:UpdateItem',
          // The main table's ARN (no index, no stream), from the stateful stack
          Resource: {
            'Fn::GetStackOutput': expect.objectContaining({
              OutputName: expect.stringMatching(/MainTable[0-9A-F]+Arn[0-9A-F]+$/),
            }),
          },
          Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['T#*#USAGE#*'] } },
        },
      ]);
      // Besides reading its stream: no other item action on any table.
      const itemActions = actions.filter((action) =>
        /^dynamodb:(GetItem|BatchGetItem|Query|PutItem|UpdateItem|DeleteItem|BatchWriteItem|ConditionCheckItem)$/.test(
          action,
        ),
      );
      expect(itemActions).toEqual(['dynamodb:UpdateItem']);
    } else {
      expect(usageStatements).toEqual([]);
    }
    if (definition.tables.length === 0) {
      expect(itemStatement).toBeUndefined();
    } else {
      const indexCount = definition.tables.reduce((sum, table) => sum + tables[table].indexes.length, 0);
      expect([itemStatement!.Resource].flat()).toHaveLength(definition.tables.length + indexCount);
    }
  });
});

describe('HTTP API', () => {
  const routeResources = ofType('AWS::ApiGatewayV2::Route');
  const byKey = new Map(
    routeResources.map((route) => [route.Properties.RouteKey as string, route.Properties]),
  );
  const [authorizerLogicalId] = Object.keys(template.findResources('AWS::ApiGatewayV2::Authorizer'));

  it('has one route per topology route, plus $default', () => {
    expect([...byKey.keys()].sort()).toEqual(
      [...routes.map((route) => `${route.method} ${route.path}`), '$default'].sort(),
    );
    expect(routeResources).toHaveLength(routes.length + 1);
  });

  it.each(routes)('$method $path: authorizer exactly when it has roles', (route) => {
    const properties = byKey.get(`${route.method} ${route.path}`)!;
    if (route.roles.length === 0) {
      expect(properties.AuthorizationType).toBe('NONE');
      expect(properties.AuthorizerId).toBeUndefined();
    } else {
      expect(properties.AuthorizationType).toBe('CUSTOM');
      expect(properties.AuthorizerId).toEqual({ Ref: authorizerLogicalId });
    }
  });

  it('sends unknown paths to the api function without an authorizer', () => {
    expect(byKey.get('$default')!.AuthorizationType).toBe('NONE');
    const integrations = ofType('AWS::ApiGatewayV2::Integration');
    expect(integrations).toHaveLength(1);
    expect(JSON.stringify(integrations[0]!.Properties.IntegrationUri)).toContain(
      logicalIdOf(stateless.functions.api.function),
    );
  });

  it('authorizes with the authorizer function: simple responses, cached per Authorization header', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'REQUEST',
      AuthorizerPayloadFormatVersion: '2.0',
      EnableSimpleResponses: true,
      IdentitySource: ['$request.header.Authorization'],
      AuthorizerResultTtlInSeconds: authorizerCacheSeconds,
    });
    const [authorizer] = ofType('AWS::ApiGatewayV2::Authorizer');
    expect(JSON.stringify(authorizer!.Properties.AuthorizerUri)).toContain(
      logicalIdOf(stateless.functions.authorizer.function),
    );
  });

  it('writes a JSON access log line per request on the $default stage', () => {
    const [stage] = ofType('AWS::ApiGatewayV2::Stage');
    expect(stage!.Properties).toMatchObject({ StageName: '$default', AutoDeploy: true });
    const format = JSON.parse(stage!.Properties.AccessLogSettings.Format);
    expect(format).toEqual({
      requestId: '$context.requestId',
      ip: '$context.identity.sourceIp',
      requestTime: '$context.requestTime',
      routeKey: '$context.routeKey',
      status: '$context.status',
      latency: '$context.responseLatency',
      integrationError: '$context.integrationErrorMessage',
      authorizerError: '$context.authorizer.error',
    });
    expect(propertiesOf(stateless.httpApi.accessLogs).RetentionInDays).toBe(30);
  });
});

describe('outbox stream', () => {
  it('feeds the dispatcher only new EV# items, bisecting poison batches into the DLQ', () => {
    const mappings = ofType('AWS::Lambda::EventSourceMapping').filter(
      (mapping) => mapping.Properties.StartingPosition !== undefined,
    );
    expect(mappings).toHaveLength(1);
    const mapping = mappings[0]!.Properties;
    expect(mapping).toMatchObject({
      FunctionName: { Ref: logicalIdOf(stateless.functions[outbox.consumer].function) },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: outbox.batchSize,
      MaximumBatchingWindowInSeconds: outbox.maxBatchingWindowSeconds,
      MaximumRetryAttempts: outbox.retryAttempts,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(JSON.stringify(mapping.EventSourceArn)).toContain('StreamArn');
    expect(JSON.stringify(mapping.DestinationConfig.OnFailure.Destination)).toContain(
      'OutboxDeadLetterQueue',
    );
    expect(
      mapping.FilterCriteria.Filters.map((filter: { Pattern: string }) => JSON.parse(filter.Pattern)),
    ).toEqual([
      {
        eventName: ['INSERT'],
        dynamodb: { Keys: { [tables[outbox.table].sortKey]: { S: [{ prefix: outbox.sortKeyPrefix }] } } },
      },
    ]);
  });
});

describe('alarms and outputs', () => {
  const alarms = ofType('AWS::CloudWatch::Alarm').map((alarm) => alarm.Properties);

  it('alarms on api function errors', () => {
    expect(alarms).toContainEqual(
      expect.objectContaining({
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalIdOf(stateless.functions.api.function) } }],
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    );
  });

  it('alarms on API 5xx', () => {
    expect(alarms).toContainEqual(
      expect.objectContaining({ Namespace: 'AWS/ApiGateway', MetricName: '5xx', Threshold: 0 }),
    );
  });

  it('notifies the alarm topic on every alarm', () => {
    for (const alarm of alarms) {
      expect(JSON.stringify(alarm.AlarmActions)).toContain('AlarmTopic');
      expect(alarm.OKActions).toEqual(alarm.AlarmActions);
    }
  });

  it('outputs what operators and tests need', () => {
    expect(Object.keys(template.toJSON().Outputs).sort()).toEqual(
      ['ApiUrl', 'EventBusName', 'OperatorKeySecretArn', 'TableName'].sort(),
    );
  });
});
