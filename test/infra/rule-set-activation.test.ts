import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeActiveReceiptRuleSetCommand, SESClient } from '@aws-sdk/client-ses';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { ReceiptRuleSet } from 'aws-cdk-lib/aws-ses';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { planActivation, REPLACE_FLAG } from '../../lib/custom-resources/activation-plan.ts';
import { RuleSetActivation } from '../../lib/rule-set-activation.ts';

const OURS = 'deskless-prod-inbound';
const THEIRS = 'corporate-mail';

describe('planActivation on Create and Update', () => {
  it.each(['Create', 'Update'] as const)('%s: activates ours when no set is active', (requestType) => {
    expect(
      planActivation({
        requestType,
        ruleSetName: OURS,
        activeRuleSetName: undefined,
        replaceActiveRuleSet: false,
      }),
    ).toEqual({ action: 'activate' });
  });

  it.each(['Create', 'Update'] as const)('%s: leaves ours active', (requestType) => {
    expect(
      planActivation({
        requestType,
        ruleSetName: OURS,
        activeRuleSetName: OURS,
        replaceActiveRuleSet: false,
      }),
    ).toMatchObject({ action: 'none' });
  });

  it.each(['Create', 'Update'] as const)(
    '%s: fails on a set someone else made active, naming it and the flag',
    (requestType) => {
      const plan = planActivation({
        requestType,
        ruleSetName: OURS,
        activeRuleSetName: THEIRS,
        replaceActiveRuleSet: false,
      });
      expect(plan.action).toBe('fail');
      const { message } = plan as { message: string };
      expect(message).toContain(`"${THEIRS}"`);
      expect(message).toContain(`"${OURS}"`);
      expect(message).toContain(`-c ${REPLACE_FLAG}=true`);
      expect(REPLACE_FLAG).toBe('deskless:replaceActiveRuleSet');
    },
  );

  it.each(['Create', 'Update'] as const)('%s: replaces it when told to', (requestType) => {
    expect(
      planActivation({
        requestType,
        ruleSetName: OURS,
        activeRuleSetName: THEIRS,
        replaceActiveRuleSet: true,
      }),
    ).toEqual({ action: 'activate', replacing: THEIRS });
  });
});

describe('planActivation on Delete', () => {
  it('deactivates ours when it is the active one', () => {
    expect(
      planActivation({
        requestType: 'Delete',
        ruleSetName: OURS,
        activeRuleSetName: OURS,
        replaceActiveRuleSet: false,
      }),
    ).toEqual({ action: 'deactivate' });
  });

  it.each([
    ['another set', THEIRS, true],
    ['another set', THEIRS, false],
    ['no set', undefined, false],
  ])('leaves %s active as it is (replace flag %s)', (_what, active, replace) => {
    expect(
      planActivation({
        requestType: 'Delete',
        ruleSetName: OURS,
        activeRuleSetName: active,
        replaceActiveRuleSet: replace,
      }),
    ).toMatchObject({ action: 'none' });
  });
});

/** The one real esbuild run of the activation handler (the stacks' other tests skip bundling). */
describe('activation handler bundle', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'deskless-activation-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));
  const app = new App({ outdir });
  const stack = new Stack(app, 'Activation');
  const activation = new RuleSetActivation(stack, 'Activation', {
    ruleSet: new ReceiptRuleSet(stack, 'RuleSet', { receiptRuleSetName: OURS }),
    replaceActiveRuleSet: false,
  });
  app.synth();
  const functionId = stack.getLogicalId(activation.handler.node.defaultChild as CfnElement);
  const code = stack.resolve(
    (activation.handler.node.defaultChild as CfnElement & { code: { s3Key: string } }).code,
  );
  const directory = join(outdir, `asset.${String(code.s3Key).replace(/\.zip$/, '')}`);

  it('is one small ES module that takes the AWS SDK from the Lambda runtime', () => {
    expect(functionId).toMatch(/^ActivationHandler/);
    expect(existsSync(directory), directory).toBe(true);
    expect(readdirSync(directory).sort()).toEqual(['index.mjs', 'index.mjs.map']);
    const source = readFileSync(join(directory, 'index.mjs'), 'utf8');
    expect(source).toMatch(/from\s*"@aws-sdk\/client-ses"/);
    expect(source.length).toBeLessThan(20 * 1024);
  });
});

describe('activation handler', () => {
  const event = (requestType: 'Create' | 'Update' | 'Delete', replace: 'true' | 'false' = 'false') =>
    ({
      RequestType: requestType,
      ResourceProperties: { ServiceToken: 'token', RuleSetName: OURS, ReplaceActiveRuleSet: replace },
    }) as unknown as CloudFormationCustomResourceEvent;

  /** Stubs SES: DescribeActiveReceiptRuleSet answers `active`; every command sent is recorded. */
  function stubSes(active: string | undefined) {
    const sent: Array<{ command: string; input: unknown }> = [];
    vi.spyOn(SESClient.prototype, 'send').mockImplementation(async (command: { input: unknown }) => {
      sent.push({ command: command.constructor.name, input: command.input });
      return command instanceof DescribeActiveReceiptRuleSetCommand
        ? { Metadata: active ? { Name: active } : undefined }
        : {};
    });
    return sent;
  }

  afterEach(() => vi.restoreAllMocks());

  it('activates ours when no set is active, and names the resource after it', async () => {
    const sent = stubSes(undefined);
    const { handler } = await import('../../lib/custom-resources/activate-rule-set.ts');
    await expect(handler(event('Create'))).resolves.toEqual({
      PhysicalResourceId: `active-receipt-rule-set:${OURS}`,
      Data: { PreviouslyActive: '' },
    });
    expect(sent.at(-1)).toEqual({ command: 'SetActiveReceiptRuleSetCommand', input: { RuleSetName: OURS } });
  });

  it('fails, changing nothing, when another set is active and the flag is not set', async () => {
    const sent = stubSes(THEIRS);
    const { handler } = await import('../../lib/custom-resources/activate-rule-set.ts');
    await expect(handler(event('Update'))).rejects.toThrow(/deskless:replaceActiveRuleSet=true/);
    expect(sent.map((call) => call.command)).toEqual(['DescribeActiveReceiptRuleSetCommand']);
  });

  it('replaces another active set when the flag says so', async () => {
    const sent = stubSes(THEIRS);
    const { handler } = await import('../../lib/custom-resources/activate-rule-set.ts');
    await expect(handler(event('Create', 'true'))).resolves.toMatchObject({
      Data: { PreviouslyActive: THEIRS },
    });
    expect(sent.at(-1)).toEqual({ command: 'SetActiveReceiptRuleSetCommand', input: { RuleSetName: OURS } });
  });

  it('on Delete, deactivates ours (no name) and leaves another set alone', async () => {
    let sent = stubSes(OURS);
    const { handler } = await import('../../lib/custom-resources/activate-rule-set.ts');
    await handler(event('Delete'));
    expect(sent.at(-1)).toEqual({ command: 'SetActiveReceiptRuleSetCommand', input: {} });
    vi.restoreAllMocks();
    sent = stubSes(THEIRS);
    await handler(event('Delete'));
    expect(sent.map((call) => call.command)).toEqual(['DescribeActiveReceiptRuleSetCommand']);
  });
});
