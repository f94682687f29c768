import { type BundlingOptions, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { bundling } from '../functions/topology.ts';

/**
 * esbuild settings of every function, from the topology (the benchmark builds the same way), run with the
 * project's own esbuild. `externalModules` stays empty except where a function deliberately takes a module
 * from the Lambda runtime.
 */
export function desklessBundling(externalModules: string[] = []): BundlingOptions {
  return {
    format: OutputFormat.ESM,
    minify: bundling.minify,
    sourceMap: bundling.sourcemap,
    sourcesContent: bundling.sourcesContent,
    target: bundling.target,
    mainFields: [...bundling.mainFields],
    banner: bundling.banner,
    externalModules,
    forceDockerBundling: false,
  };
}
