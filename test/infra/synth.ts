import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { addDeskless, type DesklessStacks } from '../../lib/deskless-app.ts';

/** The feature flags `cdk synth` reads from cdk.json; tests use the same ones. */
const cdkJsonContext: Record<string, unknown> = JSON.parse(
  readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8'),
).context;

export interface SynthOptions {
  /** Extra CDK context, as `-c key=value` would give. */
  readonly context?: Record<string, unknown>;
  /** Run esbuild for every function (slow); off, the Lambda code is a placeholder asset. */
  readonly bundle?: boolean;
  readonly outdir?: string;
}

export interface SynthesisedDeskless extends DesklessStacks {
  readonly app: App;
  readonly statefulTemplate: Template;
  readonly statelessTemplate: Template;
}

/** The app exactly as bin/deskless.ts builds it (cdk-nag included), synthesised in memory. */
export function synthDeskless(options: SynthOptions = {}): SynthesisedDeskless {
  const app = new App({
    outdir: options.outdir,
    context: {
      ...cdkJsonContext,
      ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
      ...options.context,
    },
  });
  const stacks = addDeskless(app);
  return {
    app,
    ...stacks,
    statefulTemplate: Template.fromStack(stacks.stateful),
    statelessTemplate: Template.fromStack(stacks.stateless),
  };
}

/** A resource of a synthesised template; CloudFormation JSON has no useful static type. */
export interface CfnResourceJson {
  readonly Type: string;
  // biome-ignore lint/suspicious/noExplicitAny: template JSON, checked by the assertions that read it
  readonly Properties: Record<string, any>;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
  readonly DependsOn?: readonly string[];
}

export function resourcesOf(template: Template): Record<string, CfnResourceJson> {
  return template.toJSON().Resources;
}
