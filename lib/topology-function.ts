import { Duration } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { FunctionDefinition } from '../functions/topology.ts';
import { fromRepoRoot } from './repo-path.ts';

/**
 * ESM bundles have no `require`; some CommonJS dependencies call it anyway (for Node built-ins). The alias
 * keeps the banner from clashing with a `createRequire` import in the bundle itself.
 */
const REQUIRE_SHIM =
  "import { createRequire as __desklessCreateRequire } from 'node:module';" +
  'const require = __desklessCreateRequire(import.meta.url);';

export interface TopologyFunctionProps {
  readonly definition: FunctionDefinition;
  readonly environment: Readonly<Record<string, string>>;
}

/**
 * One Lambda function of topology.ts: its own role (logs to its own group only, instead of the broad
 * AWSLambdaBasicExecutionRole) and a log group with a retention, so logs do not pile up forever.
 */
export class TopologyFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: TopologyFunctionProps) {
    super(scope, id);
    const { definition } = props;

    this.logGroup = new LogGroup(this, 'Logs', { retention: RetentionDays.ONE_MONTH });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Deskless ${definition.name} function`,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, 'Function', {
      entry: fromRepoRoot(definition.entry),
      handler: 'handler',
      description: definition.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: definition.memoryMb,
      timeout: Duration.seconds(definition.timeoutSeconds),
      role: this.role,
      logGroup: this.logGroup,
      depsLockFilePath: fromRepoRoot('package-lock.json'),
      environment: {
        // Source maps are only worth shipping if stack traces use them.
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        minify: true,
        sourceMap: true,
        // Stack traces need the mappings, not a copy of the sources: keeps the asset small.
        sourcesContent: false,
        target: 'node24',
        mainFields: ['module', 'main'],
        banner: REQUIRE_SHIM,
        // The runtime's AWS SDK is whatever version Lambda ships that day; bundling ours pins it.
        externalModules: [],
        forceDockerBundling: false,
      },
    });
  }

}
