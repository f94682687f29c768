import { type Duration, Validations } from 'aws-cdk-lib';
import { AccessLogField, AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { RouteDefinition } from '../functions/topology.ts';

export interface DesklessHttpApiProps {
  readonly stage: string;
  readonly routes: readonly RouteDefinition[];
  readonly handler: IFunction;
  readonly authorizer: IFunction;
  /** How long API Gateway caches an authorizer answer per Authorization header. */
  readonly authorizerCache: Duration;
}

/** One line per request; field names stay stable so saved Logs Insights queries keep working. */
const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: AccessLogField.contextRequestId(),
    ip: AccessLogField.contextIdentitySourceIp(),
    requestTime: AccessLogField.contextRequestTime(),
    routeKey: AccessLogField.contextRouteKey(),
    status: AccessLogField.contextStatus(),
    latency: AccessLogField.contextResponseLatency(),
    integrationError: AccessLogField.contextIntegrationErrorMessage(),
    authorizerError: AccessLogField.contextAuthorizerError(),
  }),
);

/**
 * The HTTP API: one route per topology route, all served by the api function. Routes with roles go through
 * the Lambda authorizer; public ones and the `$default` catch-all do not, so an unknown path gets the api
 * function's problem+json 404 rather than API Gateway's own body.
 */
export class DesklessHttpApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: LogGroup;

  constructor(scope: Construct, id: string, props: DesklessHttpApiProps) {
    super(scope, id);

    // One permission for the whole API instead of one per route keeps the function policy far from its
    // 20 KB limit as routes are added.
    const integration = new HttpLambdaIntegration('Api', props.handler, { scopePermissionToRoute: false });
    const authorizer = new HttpLambdaAuthorizer('ApiKey', props.authorizer, {
      authorizerName: 'api-key',
      identitySource: ['$request.header.Authorization'],
      resultsCacheTtl: props.authorizerCache,
      responseTypes: [HttpLambdaResponseType.SIMPLE],
    });

    this.api = new HttpApi(this, 'Api', {
      apiName: `deskless-${props.stage}`,
      description: `Deskless ${props.stage} HTTP API`,
      createDefaultStage: false,
      defaultIntegration: integration,
    });
    acknowledgePublic(
      this.api.node.findChild('DefaultRoute'),
      'the $default catch-all answers only 404 problem+json',
    );

    for (const route of props.routes) {
      const isPublic = route.roles.length === 0;
      const [created] = this.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration,
        authorizer: isPublic ? undefined : authorizer,
      });
      if (isPublic && created)
        acknowledgePublic(created, `${route.operationId} is public by design (${route.summary})`);
    }

    this.accessLogs = new LogGroup(this, 'AccessLogs', { retention: RetentionDays.ONE_MONTH });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: ACCESS_LOG_FORMAT,
      },
    });
  }

  /** The API's base URL, ending in `/`. */
  get url(): string {
    return this.stage.url;
  }
}

function acknowledgePublic(route: Construct, why: string): void {
  Validations.of(route).acknowledge({
    id: 'AwsSolutions-APIG4',
    reason: `Route without authorizer: ${why}; it returns no tenant data.`,
  });
}
