import { fileURLToPath } from 'node:url';
import { Aws, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import type { Construct } from 'constructs';
import { ENV } from '#shared/config/env.ts';
import { RESOURCES } from '#shared/config/resources.ts';
import { INDEX } from '#shared/domain/store-definitions.ts';
import { CONSOLE_CSS, CONSOLE_JS } from '#functions/console/assets.ts';
import { VIEWER_HOST_HEADER } from '#functions/console/edge.ts';
import { CONSOLE_ROLES } from '#functions/console/roles.ts';
import type { StageConfig } from '../config.ts';
import { acknowledge } from '../constructs/acknowledge.ts';
import { PipelineFunction } from '../constructs/pipeline-function.ts';
import { CONSOLE_OUTPUTS } from '../names.ts';
import { dataBucketName, type StatefulResourceName, type StatefulStack } from './stateful-stack.ts';
import type { StatelessStack } from './stateless-stack.ts';

/** Props of {@link ConsoleStack}. */
export interface ConsoleStackProps extends StackProps {
  readonly config: StageConfig;
  readonly stateful: StatefulStack;
  readonly stateless: StatelessStack;
}

/** The console's app client name (the functions find its id by it). */
export const CONSOLE_CLIENT_NAME = 'wasure-console';

/** What each group may do (the console checks the same roles on every call). */
const GROUP_DESCRIPTIONS: Record<(typeof CONSOLE_ROLES)[number], string> = {
  operator: 'Files and handles subject requests, holds, sweep orders and breach drafts',
  approver: 'Approves or rejects what waits for approval (決裁)',
  auditor: 'Reads and verifies the audit trail',
};

/** The CSP of what the origin sends without one (the static files); the pages send their own, as strict. */
const STATIC_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

const entry = (name: string) => fileURLToPath(new URL(`../../functions/console/${name}.ts`, import.meta.url));

/**
 * The administrators' web console on AWS: its static files in a private
 * bucket behind CloudFront (origin access control, security headers); its
 * pages and API (the same Hono app as `wasure console`) in a function
 * behind API Gateway, whose routes a Lambda authorizer admits only with a
 * Cognito ID token; a user pool of administrator-created users with MFA
 * and the groups operator, approver and auditor. WAF is optional (a
 * CloudFront web ACL from us-east-1, `console.webAclArn`).
 */
export class ConsoleStack extends Stack {
  readonly userPool: cognito.UserPool;
  readonly distribution: cloudfront.Distribution;
  readonly consoleFn: IFunction;

  constructor(scope: Construct, id: string, props: ConsoleStackProps) {
    super(scope, id, props);
    const { config, stateful: s } = props;
    const settings = config.console;

    // Sign-in: administrator-created users only, MFA (TOTP) required.
    this.userPool = new cognito.UserPool(this, 'UserPool', {
      userPoolName: `wasure-${config.stage}-console`,
      selfSignUpEnabled: false,
      signInAliases: { username: true },
      signInCaseSensitive: false,
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: { minLength: 14, requireLowercase: true, requireUppercase: true, requireDigits: true, requireSymbols: true, tempPasswordValidity: Duration.days(3) },
      accountRecovery: cognito.AccountRecovery.NONE,
      featurePlan: cognito.FeaturePlan.PLUS,
      standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: config.retainData,
      removalPolicy: config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    for (const role of CONSOLE_ROLES) {
      new cognito.CfnUserPoolGroup(this, `${role}Group`, { userPoolId: this.userPool.userPoolId, groupName: role, description: GROUP_DESCRIPTIONS[role] });
    }
    const domain = this.userPool.addDomain('SignInDomain', {
      cognitoDomain: { domainPrefix: settings.domainPrefix ?? `wasure-${config.stage}-${Aws.ACCOUNT_ID}` },
    });

    // Logs of CloudFront, the static bucket and API Gateway.
    const logBucket = new s3.Bucket(this, 'LogBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // CloudFront's standard logs are delivered through an ACL.
      objectOwnership: s3.ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ expiration: Duration.days(config.logRetentionDays) }],
      removalPolicy: config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    acknowledge(logBucket, ['AwsSolutions-S1'], 'This bucket receives the access logs of the console\'s distribution and static bucket; logging its own access would recurse.');
    const staticBucket = new s3.Bucket(this, 'StaticBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: logBucket,
      serverAccessLogsPrefix: 'static/',
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // The functions: the console (pages and API) and the authorizer.
    const workflows = Object.fromEntries(Object.entries(props.stateless.requests.stateMachines).map(([type, m]) => [type, m.stateMachineArn]));
    const environment = {
      [ENV.metricsNamespace]: `wasure/${config.stage}`,
      [ENV.consoleUserPoolId]: this.userPool.userPoolId,
      [ENV.consoleClientName]: CONSOLE_CLIENT_NAME,
      [ENV.consoleAuthDomain]: domain.baseUrl(),
    };
    const consoleFn = new PipelineFunction(this, 'ConsoleFn', {
      entry: entry('lambda'),
      environment: { ...environment, [ENV.requestWorkflows]: this.toJsonString(workflows) },
      catalogueFile: config.catalogueFile,
      logKey: s.keys.operationsKey,
      timeout: Duration.seconds(29),
    }).fn;
    this.consoleFn = consoleFn;
    const authorizerFn = new PipelineFunction(this, 'ConsoleAuthorizerFn', {
      entry: entry('authorizer'),
      environment: { [ENV.consoleUserPoolId]: this.userPool.userPoolId, [ENV.consoleClientName]: CONSOLE_CLIENT_NAME },
      catalogueFile: config.catalogueFile,
      logKey: s.keys.operationsKey,
      timeout: Duration.seconds(10),
      memorySize: 256,
    }).fn;
    const listClients = new iam.PolicyStatement({ actions: ['cognito-idp:ListUserPoolClients'], resources: [this.userPool.userPoolArn] });
    consoleFn.addToRolePolicy(listClients);
    authorizerFn.addToRolePolicy(listClients);

    // Least privilege: the calls the console's use cases make (the same
    // adapters as the request workflow's load and the CLI), on exactly
    // their resources; the function is told each resource it may call.
    const use = (name: StatefulResourceName, actions: string[], resources: string[] = [s.named[name].arn]) => {
      consoleFn.addEnvironment(RESOURCES[name].env, s.named[name].name);
      consoleFn.addToRolePolicy(new iam.PolicyStatement({ actions, resources }));
    };
    const index = (arn: string, name: string) => `${arn}/index/${name}`;
    use('requestsTable', ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Scan']);
    use('requestsTable', ['dynamodb:Query'], [index(s.named.requestsTable.arn, INDEX.bySubject)]);
    // BatchGetItem: a breach assessment reads the records it names; byDataset: the public register counts them.
    use('recordsTable', ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem']);
    use('recordsTable', ['dynamodb:Query'], [index(s.named.recordsTable.arn, INDEX.bySubject), index(s.named.recordsTable.arn, INDEX.byDue), index(s.named.recordsTable.arn, INDEX.byDataset)]);
    // A filed request's subject id is sealed under the subject's key (created at the first filing).
    use('keysTable', ['dynamodb:GetItem', 'dynamodb:PutItem']);
    use('dataKey', ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey']);
    use('pseudonymKey', ['kms:GenerateMac']);
    // VerifyMac: the console's audit verification checks each staged event's MAC.
    use('auditMacKey', ['kms:GenerateMac', 'kms:VerifyMac']);
    use('auditTable', ['dynamodb:GetItem', 'dynamodb:Query']);
    use('auditTable', ['dynamodb:Query'], [index(s.named.auditTable.arn, INDEX.bySubject), index(s.named.auditTable.arn, INDEX.byEventId)]);
    // Verifying checks checkpoint signatures and the verifier's signed cursor; only the checkpointer may sign (key policy).
    use('signingKey', ['kms:Verify']);
    // Audit events are staged only (the sequencer chains them), as every writer's.
    consoleFn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:PutItem'],
        resources: [s.named.auditTable.arn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['pending#*'] } },
      }),
    );
    use('exportsBucket', ['s3:GetObject'], [`arn:${Aws.PARTITION}:s3:::${dataBucketName(config.stage, 'Exports')}/exports/*`]);
    // The exports bucket is versioned: a package is read by listing its versions.
    use('exportsBucket', ['s3:ListBucketVersions']);
    consoleFn.addToRolePolicy(new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: Object.values(workflows) }));
    acknowledge(
      consoleFn.role as iam.IRole,
      [`AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::wasure-${config.stage}-exports-<AWS::AccountId>-<AWS::Region>/exports/*]`],
      'The console downloads a disclosure package under exports/{requestId}/ of the exports bucket; the request id is chosen at filing, not known in advance.',
    );

    // API Gateway: the API behind the cookie authorizer (a Cognito ID
    // token of the console's client); pages and sign-in reach the function,
    // which verifies the same token itself and sends a page without one to
    // the sign-in (an authorizer can only answer 401 or 403).
    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', {
      encryptionKey: s.keys.operationsKey,
      retention: config.logRetentionDays as logs.RetentionDays,
      removalPolicy: config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    const api = new apigw.HttpApi(this, 'ConsoleApi', { description: 'wasure console: pages and API' });
    const stage = api.defaultStage?.node.defaultChild as apigw.CfnStage;
    // No query string and no path: the OAuth code travels in one, and a path names a request.
    stage.accessLogSettings = {
      destinationArn: accessLogs.logGroupArn,
      format: JSON.stringify({ requestId: '$context.requestId', time: '$context.requestTime', routeKey: '$context.routeKey', status: '$context.status', authorizerError: '$context.authorizer.error', integrationError: '$context.integrationErrorMessage' }),
    };
    stage.defaultRouteSettings = { throttlingBurstLimit: 50, throttlingRateLimit: 20 };
    const authorizer = new HttpLambdaAuthorizer('CookieAuthorizer', authorizerFn, {
      identitySource: ['$request.header.cookie'],
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      resultsCacheTtl: Duration.minutes(5),
    });
    const integration = new HttpLambdaIntegration('ConsoleIntegration', consoleFn);
    api.addRoutes({ path: '/api/{proxy+}', methods: [apigw.HttpMethod.ANY], integration, authorizer });
    for (const [path, methods] of [
      ['/', [apigw.HttpMethod.GET]],
      ['/{proxy+}', [apigw.HttpMethod.ANY]],
    ] as const) {
      for (const route of api.addRoutes({ path, methods: [...methods], integration })) {
        acknowledge(
          route,
          ['AwsSolutions-APIG4'],
          'Pages and the sign-in: the function verifies the Cognito ID token itself (aws-jwt-verify, as the authorizer does) and sends a caller without one to the sign-in page, which an authorizer cannot.',
        );
      }
    }

    // CloudFront: the API as default origin, the static files from S3.
    const viewerHost = new cloudfront.Function(this, 'ViewerHostFn', {
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      comment: 'wasure console: tells the origin the viewer\'s host',
      code: cloudfront.FunctionCode.fromInline(
        `function handler(event) { var r = event.request; r.headers['${VIEWER_HOST_HEADER}'] = { value: r.headers.host.value }; return r; }`,
      ),
    });
    const headers = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'wasure console security headers',
      securityHeadersBehavior: {
        // The pages send their own CSP (a printable document allows its inline style); this one is for what sends none.
        contentSecurityPolicy: { contentSecurityPolicy: STATIC_CSP, override: false },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(730), includeSubdomains: true, preload: true, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.SAME_ORIGIN, override: true },
      },
    });
    const certificate = settings.certificateArn === undefined ? undefined : acm.Certificate.fromCertificateArn(this, 'Certificate', settings.certificateArn);
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'wasure console',
      defaultBehavior: {
        origin: new origins.HttpOrigin(`${api.apiId}.execute-api.${this.region}.amazonaws.com`),
        allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
        cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
        originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
        responseHeadersPolicy: headers,
        functionAssociations: [{ function: viewerHost, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }],
      },
      additionalBehaviors: {
        '/static/*': {
          origin: origins.S3BucketOrigin.withOriginAccessControl(staticBucket),
          viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
          responseHeadersPolicy: headers,
        },
      },
      enableLogging: true,
      logBucket,
      logFilePrefix: 'cloudfront/',
      priceClass: cloudfront.PriceClass.PRICE_CLASS_200,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      ...(settings.webAclArn === undefined ? {} : { webAclId: settings.webAclArn }),
      ...(settings.domainName === undefined || certificate === undefined
        ? {}
        : { domainNames: [settings.domainName], certificate, minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021 }),
    });
    new s3deploy.BucketDeployment(this, 'StaticFiles', {
      sources: [
        s3deploy.Source.data('static/console.css', CONSOLE_CSS),
        s3deploy.Source.data('static/console.js', CONSOLE_JS),
      ],
      destinationBucket: staticBucket,
      prune: true,
    });
    // CDK's deployment function (one per stack) copies the files at deploy time.
    const copier = this.node.children.find((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'));
    if (copier !== undefined) {
      acknowledge(
        copier,
        [
          'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
          'AwsSolutions-IAM5[Action::s3:GetObject*]',
          'AwsSolutions-IAM5[Action::s3:GetBucket*]',
          'AwsSolutions-IAM5[Action::s3:List*]',
          'AwsSolutions-IAM5[Action::s3:DeleteObject*]',
          'AwsSolutions-IAM5[Action::s3:Abort*]',
          `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-${this.region}/*]`,
          `AwsSolutions-IAM5[Resource::<${this.getLogicalId(staticBucket.node.defaultChild as s3.CfnBucket)}.Arn>/*]`,
          'AwsSolutions-L1',
        ],
        'CDK\'s BucketDeployment function: it copies the console\'s static files from the CDK asset bucket into the static bucket at deploy time, with the grants CDK gives it; it handles no personal data.',
      );
    }
    if (settings.webAclArn === undefined) {
      acknowledge(this.distribution, ['AwsSolutions-CFR2'], 'WAF is optional (console.webAclArn: a CloudFront web ACL, made in us-east-1); every route but sign-in needs a Cognito token with MFA behind it.');
    }
    if (settings.domainName === undefined) {
      acknowledge(this.distribution, ['AwsSolutions-CFR4'], 'Without a custom domain (console.domainName, console.certificateArn) CloudFront\'s default certificate sets the viewer TLS policy; configure a domain to require TLS 1.2.');
    }
    acknowledge(this.distribution, ['AwsSolutions-CFR1'], 'Administrators may work from abroad (business trips, disaster recovery); access needs a Cognito sign-in with MFA. Add a geo restriction with a web ACL where policy requires.');

    // The sign-in client: code grant with PKCE, no secret, 30-minute tokens.
    const host = settings.domainName ?? this.distribution.distributionDomainName;
    this.userPool.addClient('ConsoleClient', {
      userPoolClientName: CONSOLE_CLIENT_NAME,
      generateSecret: false,
      authFlows: {},
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [cognito.OAuthScope.OPENID],
        callbackUrls: [`https://${host}/auth/callback`],
        logoutUrls: [`https://${host}/signed-out`],
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      idTokenValidity: Duration.minutes(30),
      accessTokenValidity: Duration.minutes(30),
      refreshTokenValidity: Duration.minutes(60),
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
    });

    new CfnOutput(this, CONSOLE_OUTPUTS.url, { value: `https://${host}` });
    new CfnOutput(this, CONSOLE_OUTPUTS.userPoolId, { value: this.userPool.userPoolId });
  }
}
