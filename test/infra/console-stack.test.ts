/**
 * The console stack as synthesized: who can sign in and how, what reaches
 * the function, and what the browser is told. (cdk-nag over every stack,
 * this one included, is in stacks.test.ts; the function's grants against
 * its recorded calls in console-iam.test.ts.)
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '#shared/config/env.ts';
import { STACK_IDS } from '#shared/config/stack.ts';
import { createApp } from '#infra/create-app.ts';
import type { StageConfig } from '#infra/config.ts';

type Props = Record<string, any>;
const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

function consoleTemplate(config: Partial<StageConfig> = {}): Template {
  const { console: stack } = createApp({ nag: false, context: NO_BUNDLING, config });
  if (stack === undefined) throw new Error('no console stack');
  return Template.fromStack(stack);
}

describe('console stack', () => {
  let t: Template;
  beforeAll(() => {
    t = consoleTemplate();
  });

  it('lets only administrators create users, requires TOTP MFA and a strong password, with threat protection', () => {
    t.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 14, RequireSymbols: true }) },
      UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
    });
    const groups = Object.values(t.findResources('AWS::Cognito::UserPoolGroup')).map((g) => (g as { Properties: Props }).Properties.GroupName);
    expect(groups.sort()).toEqual(['approver', 'auditor', 'operator']);
  });

  it('signs in only by the code grant with PKCE to the distribution\'s callback, with 30-minute tokens and no secret', () => {
    t.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      ClientName: 'wasure-console',
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: ['openid'],
      GenerateSecret: false,
      IdTokenValidity: 30,
      PreventUserExistenceErrors: 'ENABLED',
      SupportedIdentityProviders: ['COGNITO'],
      CallbackURLs: [{ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [Match.stringLikeRegexp('^Distribution'), 'DomainName'] }, '/auth/callback']] }],
    });
  });

  it('serves static files from a private bucket through origin access control only', () => {
    t.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      VersioningConfiguration: { Status: 'Enabled' },
    });
    t.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    const policies = Object.values(t.findResources('AWS::S3::BucketPolicy')).map((p) => JSON.stringify((p as { Properties: Props }).Properties.PolicyDocument));
    expect(policies.some((p) => p.includes('cloudfront.amazonaws.com') && p.includes('AWS:SourceArn'))).toBe(true);
  });

  it('answers over HTTPS only, with HSTS, frame denial, nosniff, same-origin referrer and a strict CSP where the origin sends none', () => {
    const dist = (Object.values(t.findResources('AWS::CloudFront::Distribution'))[0] as { Properties: Props }).Properties.DistributionConfig;
    expect(dist.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('https-only');
    expect(dist.CacheBehaviors.map((b: Props) => [b.PathPattern, b.ViewerProtocolPolicy])).toEqual([['/static/*', 'https-only']]);
    expect(dist.Logging).toBeDefined();
    expect(dist.DefaultCacheBehavior.FunctionAssociations[0].EventType).toBe('viewer-request');
    t.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: {
        SecurityHeadersConfig: {
          StrictTransportSecurity: Match.objectLike({ AccessControlMaxAgeSec: 730 * 86400, IncludeSubdomains: true }),
          FrameOptions: { FrameOption: 'DENY', Override: true },
          ContentTypeOptions: { Override: true },
          ReferrerPolicy: { ReferrerPolicy: 'same-origin', Override: true },
          ContentSecurityPolicy: { ContentSecurityPolicy: Match.stringLikeRegexp("script-src 'self'.*frame-ancestors 'none'"), Override: false },
        },
      },
    });
  });

  it('puts the API behind the cookie authorizer; pages and sign-in reach the function, which verifies the token itself', () => {
    const routes = Object.values(t.findResources('AWS::ApiGatewayV2::Route')).map((r) => (r as { Properties: Props }).Properties);
    const byKey = Object.fromEntries(routes.map((r) => [r.RouteKey, r.AuthorizationType ?? 'NONE']));
    expect(byKey).toEqual({ 'ANY /api/{proxy+}': 'CUSTOM', 'GET /': 'NONE', 'ANY /{proxy+}': 'NONE' });
    t.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', { AuthorizerType: 'REQUEST', IdentitySource: ['$request.header.cookie'], EnableSimpleResponses: true });
    const stage = (Object.values(t.findResources('AWS::ApiGatewayV2::Stage'))[0] as { Properties: Props }).Properties;
    expect(stage.AccessLogSettings.Format).not.toMatch(/path|querystring|\$context\.identity/i);
  });

  it('tells the console function its user pool, client name, sign-in domain and request state machines, and runs Node 22', () => {
    const fns = Object.values(t.findResources('AWS::Lambda::Function')).map((f) => (f as { Properties: Props }).Properties);
    const consoleFn = fns.find((f) => f.Environment?.Variables?.[ENV.requestWorkflows] !== undefined);
    expect(consoleFn?.Runtime).toBe('nodejs22.x');
    expect(Object.keys(consoleFn?.Environment.Variables ?? {})).toEqual(expect.arrayContaining([ENV.consoleUserPoolId, ENV.consoleClientName, ENV.consoleAuthDomain]));
  });

  it('grants the console function no wildcard action and no whole-bucket object access', () => {
    const statements = Object.values(t.findResources('AWS::IAM::Policy')).flatMap((p) => (p as { Properties: Props }).Properties.PolicyDocument.Statement as Props[]);
    const actions = statements.flatMap((s) => [s.Action].flat() as string[]);
    expect(actions.filter((a) => a.includes('*') && !a.startsWith('s3:') && !a.startsWith('xray:'))).toEqual([]);
    expect(JSON.stringify(statements)).not.toMatch(/"dynamodb:\*"|"kms:\*"|"s3:\*"/);
  });

  it('attaches a WAF web ACL and a custom domain with TLS 1.2 when configured', () => {
    // Prepare
    const webAclArn = 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/wasure/abc';
    const certificateArn = 'arn:aws:acm:us-east-1:123456789012:certificate/abc';
    // Act
    const configured = consoleTemplate({ console: { enabled: true, webAclArn, domainName: 'privacy-admin.example.lg.jp', certificateArn } });
    // Assess
    configured.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        WebACLId: webAclArn,
        Aliases: ['privacy-admin.example.lg.jp'],
        ViewerCertificate: Match.objectLike({ AcmCertificateArn: certificateArn, MinimumProtocolVersion: 'TLSv1.2_2021' }),
      }),
    });
    configured.hasResourceProperties('AWS::Cognito::UserPoolClient', { CallbackURLs: ['https://privacy-admin.example.lg.jp/auth/callback'] });
  });

  it('deploys in Tokyo by default and in Osaka as the second region; can be left out', () => {
    const tokyo = createApp({ nag: false, context: NO_BUNDLING });
    const osaka = createApp({ nag: false, context: NO_BUNDLING, config: { region: 'ap-northeast-3' } });
    const without = createApp({ nag: false, context: NO_BUNDLING, config: { console: { enabled: false } } });
    expect(tokyo.console?.region).toBe('ap-northeast-1');
    expect(tokyo.console?.stackName).toBe(STACK_IDS.console);
    expect(osaka.console?.region).toBe('ap-northeast-3');
    expect(Template.fromStack(osaka.console as never).findResources('AWS::Cognito::UserPool')).not.toEqual({});
    expect(without.console).toBeUndefined();
  });
});
