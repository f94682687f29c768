import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Annotations, Duration, Stack } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { bundling, type FunctionDefinition } from '../functions/topology.ts';
import { desklessBundling } from './bundling.ts';
import { fromRepoRoot } from './repo-path.ts';

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
      entry: this.entryFor(definition),
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
        NODE_OPTIONS: bundling.nodeOptions,
        ...props.environment,
      },
      bundling: desklessBundling(),
    });
  }

  /**
   * NodejsFunction insists that its entry file exists even when the stack is not bundled (the infra tests,
   * `cdk synth --exclusively` of the other stack), although it never reads it then. So a synth that does not
   * bundle this stack can describe a function whose handler is still being written; any synth that bundles
   * it (`cdk synth`, `cdk deploy`) still fails on the missing file, by name.
   */
  private entryFor(definition: FunctionDefinition): string {
    const entry = fromRepoRoot(definition.entry);
    if (existsSync(entry) || Stack.of(this).bundlingRequired) return entry;
    Annotations.of(this).addInfo(`${definition.entry} does not exist yet; this stack is not bundled`);
    return fileURLToPath(import.meta.url);
  }
}
