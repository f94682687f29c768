import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CfnElement, CfnResource } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { afterAll, describe, expect, it } from 'vitest';
import { renderTemplate, toJsonata } from '../../functions/core/integrations/expression.ts';
import {
  createIssueCall,
  issueLinkMapping,
  linkBackBody,
  needsIssue,
  newlyTagged,
  type TrackerTarget,
} from '../../functions/core/integrations/trackers.ts';
import { type CfnResourceJson, resourcesOf, synthDeskless } from './synth.ts';

/**
 * The engineering-tracker integrations as `-c deskless:integrations=…` builds them: per entry a rule on the
 * Deskless bus, an Express state machine with HTTP tasks, a connection for the tracker's credentials; one
 * connection for the Deskless key; cdk-nag clean. And every configuration mistake fails the synth by name.
 */
const account = '123456789012';
const secret = (name: string) => `arn:aws:secretsmanager:eu-west-1:${account}:secret:${name}-AbCdEf`;
const KEY_SECRET = secret('deskless-channel-key');

const github = {
  kind: 'github',
  tenant: 'acme',
  tag: 'engineering',
  secretArn: secret('github'),
  repository: 'acme/api',
};
const jira = {
  kind: 'jira',
  tenant: 'acme',
  tag: 'engineering',
  secretArn: secret('jira'),
  jiraBaseUrl: 'https://acme.atlassian.net',
  projectKey: 'ENG',
  issueType: 'Bug',
};
const linear = {
  kind: 'linear',
  tenant: 'acme',
  tag: 'bug',
  secretArn: secret('linear'),
  linearTeamId: '9cfb482a-81e3-4154-b5b9-2c805e70a02d',
};
const targets: Record<string, TrackerTarget> = {
  github: { kind: 'github', repository: 'acme/api' },
  jira: { kind: 'jira', jiraBaseUrl: 'https://acme.atlassian.net', projectKey: 'ENG', issueType: 'Bug' },
  linear: { kind: 'linear', linearTeamId: '9cfb482a-81e3-4154-b5b9-2c805e70a02d' },
};

const integrationsContext = (entries: unknown, extra: Record<string, unknown> = {}) => ({
  'deskless:integrations': JSON.stringify(entries),
  'deskless:integrationsApiKeySecretArn': KEY_SECRET,
  ...extra,
});

function ofType(resources: Record<string, CfnResourceJson>, type: string) {
  return Object.entries(resources)
    .filter(([, resource]) => resource.Type === type)
    .map(([id, resource]) => ({ id, ...resource }));
}

/** A CloudFormation string with references (Fn::Join parts), with every reference as `<ref>`. */
function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join) return join[1].map((part) => (typeof part === 'string' ? part : '<ref>')).join(join[0]);
  return '<ref>';
}

interface State {
  readonly Type: string;
  readonly Arguments?: Record<string, unknown>;
  readonly Choices?: { Condition: string; Next: string }[];
  readonly Default?: string;
  readonly Next?: string;
  readonly Retry?: { ErrorEquals: string[]; MaxAttempts: number }[];
  readonly Assign?: Record<string, string>;
}

describe('without deskless:integrations', () => {
  const { statelessTemplate } = synthDeskless();
  it('builds nothing for them', () => {
    const resources = resourcesOf(statelessTemplate);
    expect(ofType(resources, 'AWS::StepFunctions::StateMachine')).toEqual([]);
    expect(ofType(resources, 'AWS::Events::Connection')).toEqual([]);
  });
});

describe('with a GitHub, a Jira and a Linear integration', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'deskless-integrations-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));
  const deskless = synthDeskless({
    outdir,
    context: {
      '@aws-cdk/core:failSynthOnValidationErrors': false,
      ...integrationsContext([github, jira, linear]),
    },
  });
  const resources = resourcesOf(deskless.statelessTemplate);
  const integrations = deskless.stateless.integrations!;
  const entries = [...integrations.stateMachines.keys()];
  /** The logical id of a construct's CloudFormation resource (a connection's is not its default child). */
  const logicalId = (construct: IConstruct) =>
    deskless.stateless.getLogicalId(
      (construct.node.defaultChild ?? construct.node.children.find(CfnResource.isCfnResource)) as CfnElement,
    );

  const definitionOf = (kind: string) => {
    const id = entries.find((entry) => entry.toLowerCase().startsWith(kind))!;
    const stateMachine = resources[logicalId(integrations.stateMachines.get(id)!)]!;
    return {
      id,
      properties: stateMachine.Properties,
      definition: JSON.parse(flatten(stateMachine.Properties.DefinitionString)) as {
        QueryLanguage: string;
        StartAt: string;
        TimeoutSeconds: number;
        States: Record<string, State>;
      },
    };
  };

  it('reports nothing to cdk-nag', () => {
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8'));
    const findings = report.pluginReports.flatMap(
      (plugin: { violations: { ruleName: string; violatingConstructs: { constructPath: string }[] }[] }) =>
        plugin.violations.map((violation) => ({
          rule: violation.ruleName,
          at: violation.violatingConstructs.map((construct) => construct.constructPath),
        })),
    );
    expect(findings).toEqual([]);
  });

  it('leaves no CDK warning or error on the stacks', () => {
    for (const stack of [deskless.stateful, deskless.stateless]) {
      const annotations = Annotations.fromStack(stack);
      expect(annotations.findError('*', Match.anyValue())).toEqual([]);
      expect(annotations.findWarning('*', Match.anyValue())).toEqual([]);
    }
  });

  it('builds one Express state machine per integration, logged in full and traced', () => {
    const machines = ofType(resources, 'AWS::StepFunctions::StateMachine');
    expect(machines).toHaveLength(3);
    for (const machine of machines) {
      expect(machine.Properties).toMatchObject({
        StateMachineType: 'EXPRESS',
        TracingConfiguration: { Enabled: true },
        LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true },
      });
    }
    const logGroups = ofType(resources, 'AWS::Logs::LogGroup').filter((group) =>
      String(group.Properties.LogGroupName ?? '').startsWith('/aws/vendedlogs/states/deskless-prod-'),
    );
    expect(logGroups).toHaveLength(3);
    for (const group of logGroups) expect(group.Properties.RetentionInDays).toBe(30);
  });

  it.each(['github', 'jira', 'linear'])(
    '%s: the states, in JSONata, with the mappings of the core module',
    (kind) => {
      const target = targets[kind]!;
      const tag = kind === 'linear' ? 'bug' : 'engineering';
      const { definition } = definitionOf(kind);
      expect(definition.QueryLanguage).toBe('JSONata');
      expect(definition.TimeoutSeconds).toBe(240);
      const states = definition.States;
      expect(definition.StartAt).toBe('Remember the event');
      expect(states['Remember the event']).toMatchObject({
        Type: 'Pass',
        Assign: { event: '{% $states.input %}' },
        Next: 'Is the tag new?',
      });
      expect(states['Is the tag new?']).toMatchObject({
        Choices: [{ Condition: `{% ${toJsonata(newlyTagged(tag))} %}`, Next: 'Read the ticket' }],
        Default: 'Nothing to do',
      });
      expect(states['Read the ticket']!.Arguments).toMatchObject({
        ApiEndpoint: "{% '<ref>/v1/tickets' & '/' & $string($event.detail.ticket.number) %}",
        Method: 'GET',
      });
      expect(states['Read the ticket']!.Assign).toEqual({ ticket: '{% $states.result.ResponseBody %}' });
      expect(states['Does it need an issue?']).toMatchObject({
        Choices: [{ Condition: `{% ${toJsonata(needsIssue(target, tag))} %}`, Next: 'Create the issue' }],
        Default: 'Nothing to do',
      });

      const call = createIssueCall(target, tag);
      const create = states['Create the issue']!;
      expect(create.Arguments).toMatchObject({
        ApiEndpoint: `{% '${call.apiRoot}' & '/' & '${call.endpoint}' %}`,
        Method: 'POST',
        Headers: call.headers,
        RequestBody: renderTemplate(call.body),
      });
      expect(create.Assign).toEqual({ issue: '{% $states.result.ResponseBody %}' });
      // A timeout, a 500 or a gateway's 502/504 may have created the issue: only answers that created nothing
      // (throttled, unavailable) are retried.
      expect(create.Retry!.flatMap((retry) => retry.ErrorEquals)).toEqual([
        'States.Http.StatusCode.429',
        'States.Http.StatusCode.503',
      ]);
      expect(states['Was an issue made?']).toMatchObject({
        Choices: [
          {
            Condition: `{% ${toJsonata(issueLinkMapping(target).created)} %}`,
            Next: 'Link the issue to the ticket',
          },
        ],
        Default: 'The tracker made no issue',
      });
      const link = states['Link the issue to the ticket']!;
      expect(link.Arguments).toMatchObject({
        ApiEndpoint: `{% '<ref>/v1/tickets' & '/' & $string($event.detail.ticket.number) & "/links" %}`,
        Method: 'POST',
        RequestBody: renderTemplate(linkBackBody(target)),
      });
      // The link is idempotent by URL: retried on anything transient, a conflict included.
      expect(link.Retry![0]!.ErrorEquals).toEqual(
        expect.arrayContaining(['States.Http.Socket', 'States.Http.StatusCode.409']),
      );
      expect(states.Linked!.Type).toBe('Succeed');
      expect(states['The tracker made no issue']!.Type).toBe('Fail');
    },
  );

  it('rules match the tenant’s tickets gaining the tag, opened with it or changed to have it', () => {
    const rules = ofType(resources, 'AWS::Events::Rule').filter((rule) =>
      JSON.stringify(rule.Properties.EventPattern).includes('ticket.updated'),
    );
    const patterns = rules.map((rule) => rule.Properties.EventPattern);
    expect(patterns).toContainEqual({
      source: ['deskless'],
      'detail-type': ['ticket.created', 'ticket.updated'],
      detail: {
        tenantId: ['acme'],
        $or: [
          { type: ['ticket.created'], data: { tags: ['bug'] } },
          { type: ['ticket.updated'], data: { field: ['tags'], to: ['bug'] } },
        ],
      },
    });
    const integrationRules = rules.filter((rule) => rule.Properties.Targets?.[0]?.Arn?.Ref);
    expect(integrationRules).toHaveLength(3);
    for (const rule of integrationRules) {
      expect(rule.Properties.EventBusName).toBeDefined();
      expect(rule.Properties.Targets[0]).toMatchObject({
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalId(integrations.deadLetterQueue), 'Arn'] } },
        RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 24 * 3600 },
      });
    }
  });

  it('takes each tracker’s credentials from its secret, resolved into a connection at deploy time', () => {
    const auth = (kind: string) => {
      const id = entries.find((entry) => entry.toLowerCase().startsWith(kind))!;
      return resources[logicalId(integrations.trackerConnections.get(id)!)]!.Properties;
    };
    expect(auth('github')).toMatchObject({ AuthorizationType: 'API_KEY' });
    expect(flatten(auth('github').AuthParameters.ApiKeyAuthParameters.ApiKeyValue)).toBe(
      `Bearer {{resolve:secretsmanager:${secret('github')}:SecretString:token::}}`,
    );
    expect(auth('jira')).toMatchObject({
      AuthorizationType: 'BASIC',
      AuthParameters: {
        BasicAuthParameters: {
          Username: `{{resolve:secretsmanager:${secret('jira')}:SecretString:email::}}`,
          Password: `{{resolve:secretsmanager:${secret('jira')}:SecretString:apiToken::}}`,
        },
      },
    });
    expect(auth('linear').AuthParameters.ApiKeyAuthParameters).toEqual({
      ApiKeyName: 'Authorization',
      ApiKeyValue: `{{resolve:secretsmanager:${secret('linear')}:SecretString:apiKey::}}`,
    });
    // One connection for the Deskless key, shared by the three.
    expect(integrations.desklessConnections.size).toBe(1);
    const key = resources[logicalId(integrations.desklessConnections.get(KEY_SECRET)!)]!.Properties;
    expect(flatten(key.AuthParameters.ApiKeyAuthParameters.ApiKeyValue)).toBe(
      `Bearer {{resolve:secretsmanager:${KEY_SECRET}:SecretString:::}}`,
    );
  });

  it('lets each state machine call only its tracker and the Deskless tickets API, with its own connections', () => {
    const { id } = definitionOf('github');
    const role = integrations.stateMachines.get(id)!.role;
    const roleId = logicalId(role);
    const statements = ofType(resources, 'AWS::IAM::Policy')
      .filter((policy) => policy.Properties.Roles.some((r: { Ref: string }) => r.Ref === roleId))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
    const invoke = statements.filter((s: { Action: unknown }) => s.Action === 'states:InvokeHTTPEndpoint');
    expect(
      invoke
        .map((s: { Condition: { StringLike: Record<string, unknown> } }) =>
          flatten(s.Condition.StringLike['states:HTTPEndpoint']),
        )
        .sort(),
    ).toEqual(['<ref>/v1/tickets*', 'https://api.github.com/repos/acme/api*']);
    // The state machine's own two connections (and their secrets), nothing else.
    const resourcesFor = (action: string) =>
      statements
        .filter((s: { Action: unknown }) => [s.Action].flat().includes(action))
        .flatMap((s: { Resource: unknown }) => [s.Resource].flat())
        .sort((a: unknown, b: unknown) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    const connections = [
      logicalId(integrations.trackerConnections.get(id)!),
      logicalId(integrations.desklessConnections.get(KEY_SECRET)!),
    ].sort();
    expect(resourcesFor('events:RetrieveConnectionCredentials')).toEqual(
      connections.map((connection) => ({ 'Fn::GetAtt': [connection, 'Arn'] })),
    );
    expect(resourcesFor('secretsmanager:GetSecretValue')).toEqual(
      connections.map((connection) => ({ 'Fn::GetAtt': [connection, 'SecretArn'] })),
    );
  });

  it('alarms on failed runs of each state machine and on events left in the dead-letter queue', () => {
    const alarms = ofType(resources, 'AWS::CloudWatch::Alarm');
    const failed = alarms.filter((alarm) =>
      String(alarm.Properties.AlarmDescription).includes('integration failed'),
    );
    expect(failed).toHaveLength(3);
    const dlq = alarms.filter((alarm) =>
      JSON.stringify(alarm.Properties.Dimensions ?? []).includes(logicalId(integrations.deadLetterQueue)),
    );
    expect(dlq).toHaveLength(1);
  });
});

describe('deskless:integrations is validated at synth', () => {
  const synthWith = (context: Record<string, unknown>) => () => synthDeskless({ context });

  it.each([
    ['not JSON', { 'deskless:integrations': '[{kind:github}]' }, /deskless:integrations must be a JSON list/],
    ['not a list', { 'deskless:integrations': '{"kind":"github"}' }, /must be a JSON list of integrations/],
    [
      'an unknown kind',
      integrationsContext([{ ...github, kind: 'gitlab' }]),
      /\[0\]\.kind must be one of github, jira, linear, got "gitlab"/,
    ],
    [
      'no tenant',
      integrationsContext([{ ...github, tenant: undefined }]),
      /\[0\] \(github\): tenant must be the id of the tenant/,
    ],
    [
      'a tag as people type it',
      integrationsContext([{ ...github, tag: 'Needs Engineering' }]),
      /tag must be written as Deskless stores tags .*"needs_engineering"/,
    ],
    [
      'a secret that is no ARN',
      integrationsContext([{ ...github, secretArn: 'github-token' }]),
      /secretArn must be the ARN of the Secrets Manager secret holding the github credentials/,
    ],
    [
      'no Deskless key',
      { 'deskless:integrations': JSON.stringify([github]) },
      /needs a Deskless channel API key to link the issue back: set deskless:integrationsApiKeySecretArn/,
    ],
    [
      'a bad Deskless key ARN',
      integrationsContext([github], { 'deskless:integrationsApiKeySecretArn': 'key' }),
      /deskless:integrationsApiKeySecretArn must be the ARN of a Secrets Manager secret, got "key"/,
    ],
    [
      'a repository without owner',
      integrationsContext([{ ...github, repository: 'api' }]),
      /repository must be "owner\/repo", got "api"/,
    ],
    [
      'fields of another kind',
      integrationsContext([{ ...github, projectKey: 'ENG' }]),
      /unknown field\(s\) projectKey \(a github integration takes/,
    ],
    [
      'Jira over http',
      integrationsContext([{ ...jira, jiraBaseUrl: 'http://jira.acme.com' }]),
      /\[0\] \(jira\): jiraBaseUrl must use https/,
    ],
    [
      'Jira without project',
      integrationsContext([{ ...jira, projectKey: undefined }]),
      /projectKey is required/,
    ],
    [
      'Linear with a team key instead of its id',
      integrationsContext([{ ...linear, linearTeamId: 'ENG' }]),
      /linearTeamId must be the team's UUID, got "ENG"/,
    ],
    ['the same integration twice', integrationsContext([github, jira, { ...github }]), /\[2\] repeats \[0\]/],
    [
      'two tenants sharing one key',
      integrationsContext([github, { ...github, tenant: 'globex' }]),
      /tenants "acme" and "globex" share the Deskless API key secret/,
    ],
  ])('%s', (_name, context, message) => {
    expect(synthWith(context)).toThrow(message);
  });

  it('takes the list from cdk.json as JSON too, and a per-entry key for a second tenant', () => {
    const { stateless } = synthDeskless({
      context: {
        'deskless:integrations': [
          github,
          { ...github, tenant: 'globex', apiKeySecretArn: secret('globex-key') },
        ],
        'deskless:integrationsApiKeySecretArn': KEY_SECRET,
      },
    });
    expect(stateless.integrations!.stateMachines.size).toBe(2);
    expect(stateless.integrations!.desklessConnections.size).toBe(2);
  });
});
