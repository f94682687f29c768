import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CfnElement } from 'aws-cdk-lib';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import {
  bundleBudgets,
  defaultBundleBudgetKb,
  type FunctionName,
  functions,
} from '../../functions/topology.ts';
import { resourcesOf, synthDeskless } from './synth.ts';

/** A cold start loads the whole bundle; past its budget it shows in p99 latency. */
const budgetBytes = (name: FunctionName) => (bundleBudgets[name]?.kb ?? defaultBundleBudgetKb) * 1024;
const functionNames = Object.keys(functions) as FunctionName[];

/**
 * The one test that really runs esbuild on the handlers, as `cdk deploy` does. It needs every entry file of
 * topology.ts to exist: a missing handler fails it, on purpose.
 */
describe('Lambda bundles', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'deskless-bundle-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));
  afterEach(() => vi.unstubAllEnvs());
  const { stateless, statelessTemplate } = synthDeskless({ bundle: true, outdir });
  const resources = resourcesOf(statelessTemplate);

  function functionProperties(name: FunctionName) {
    const fn = stateless.functions[name].function;
    return resources[stateless.getLogicalId(fn.node.defaultChild as CfnElement)]!.Properties;
  }

  function bundleDirectory(name: FunctionName): string {
    const key: string = functionProperties(name).Code.S3Key;
    return join(outdir, `asset.${key.replace(/\.zip$/, '')}`);
  }

  it.each(functionNames)('%s: one ESM file within its size budget, with its source map', (name) => {
    const directory = bundleDirectory(name);
    expect(existsSync(directory), directory).toBe(true);
    expect(readdirSync(directory).sort()).toEqual(['index.mjs', 'index.mjs.map']);
    const size = statSync(join(directory, 'index.mjs')).size;
    expect(size, `${name} bundle is ${Math.round(size / 1024)} KB`).toBeLessThan(budgetBytes(name));
  });

  // Loading the bundle proves the ESM output links (the `require` banner included) and exports the handler
  // Lambda will call. Deploy-time values (table names, ARNs) are tokens here, so they get stand-ins.
  it.each(functionNames)('%s: loads as an ES module and exports `handler`', async (name) => {
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    for (const [variable, value] of Object.entries<unknown>(functionProperties(name).Environment.Variables)) {
      const standIn = variable.endsWith('_ARN')
        ? 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:deskless-stand-in'
        : 'deskless-stand-in';
      vi.stubEnv(variable, typeof value === 'string' ? value : standIn);
    }
    const bundle = await import(pathToFileURL(join(bundleDirectory(name), 'index.mjs')).href);
    expect(typeof bundle.handler).toBe('function');
  });
});
