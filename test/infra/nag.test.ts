import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { synthDeskless } from './synth.ts';

/**
 * cdk-nag 3 is a policy validation plugin, not an Aspect: its findings are not annotations but entries of
 * the cloud assembly's validation-report.json. `cdk synth` fails on unacknowledged errors and only prints
 * warnings; here synth is told not to throw, so the report lists every finding of either kind by name.
 */
const DEPLOYMENTS = [
  { name: 'without mail domains', context: {} },
  {
    name: 'with mail domains (receipt rule set and its activation)',
    context: { 'deskless:mailDomains': 'support.example.com', 'deskless:replaceActiveRuleSet': 'true' },
  },
  {
    name: 'with Bedrock triage through a cross-region inference profile',
    context: { 'deskless:bedrockModelId': 'us.amazon.nova-lite-v1:0' },
  },
  {
    name: 'with a budget notifying the alarm topic',
    context: { 'deskless:budgetMonthlyUsd': '100', 'deskless:alarmEmail': 'oncall@example.com' },
  },
];

describe.each(DEPLOYMENTS)('cdk-nag AwsSolutions, $name', ({ context }) => {
  const outdir = mkdtempSync(join(tmpdir(), 'deskless-nag-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));
  const deskless = synthDeskless({
    outdir,
    context: { '@aws-cdk/core:failSynthOnValidationErrors': false, ...context },
  });

  it('reports nothing unacknowledged', () => {
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8'));
    const findings = report.pluginReports.flatMap(
      (plugin: {
        pluginName: string;
        violations: Array<{ ruleName: string; violatingConstructs: Array<{ constructPath: string }> }>;
      }) =>
        plugin.violations.map((violation) => ({
          plugin: plugin.pluginName,
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

  it('gives every acknowledgement a specific reason', () => {
    const acknowledgements = deskless.app.node.findAll().flatMap((construct) =>
      construct.node.metadata
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) =>
          Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
            path: construct.node.path,
            id,
            reason,
          })),
        ),
    );
    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const { path, id, reason } of acknowledgements) {
      expect(id, path).toMatch(/AwsSolutions-[A-Z]+\d+/);
      expect(reason.length, `${path} ${id}`).toBeGreaterThanOrEqual(60);
    }
  });
});
