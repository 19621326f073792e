/**
 * Least privilege, proved on the embedded stores: the pieces shared by the
 * proofs of the state-machine functions (handler-properties.test.ts) and
 * of the console function (console-iam.test.ts). SDK calls are recorded
 * per function, translated to IAM actions on deployed ARNs, and checked
 * against the function's synthesized role policy; what a function is told
 * (its environment) is checked against what its role may call.
 */
import { LOCAL_KEY_IDS } from '#shared/adapters/local/kms-server.ts';
import { RESOURCE_NAMES, resource } from '#shared/config/resources.ts';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Resources = Record<string, { Type: string; Properties?: Record<string, Json> }>;

/** A synthesized CloudFormation template. */
export interface Tpl {
  Resources: Resources;
  Outputs?: Record<string, { Value: Json; Export?: { Name: Json } }>;
}

export const REGION = 'ap-northeast-1';
export const ACCOUNT = '123456789012';
/** The exports bucket's local name (the manifest gives it none: a test adds it to the stand-ins). */
export const LOCAL_EXPORTS_BUCKET = 'wasure-exports';

/** Resolves CloudFormation intrinsics to concrete strings (fake account); imports from the `exporters`' outputs. */
export class Resolver {
  private readonly exporters: readonly Tpl[];

  constructor(
    private readonly own: Tpl,
    ...exporters: Tpl[]
  ) {
    this.exporters = exporters;
  }

  resolve(value: Json): string {
    if (typeof value === 'string') return value;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new Error(`cannot resolve ${JSON.stringify(value)}`);
    }
    if ('Fn::Join' in value) {
      const [sep, parts] = value['Fn::Join'] as [string, Json[]];
      return parts.map((p) => this.resolve(p)).join(sep);
    }
    if ('Ref' in value) {
      const ref = String(value.Ref);
      const pseudo: Record<string, string> = {
        'AWS::Partition': 'aws',
        'AWS::Region': REGION,
        'AWS::AccountId': ACCOUNT,
        'AWS::URLSuffix': 'amazonaws.com',
      };
      if (pseudo[ref] !== undefined) return pseudo[ref];
      const r = this.own.Resources[ref];
      if (r === undefined) throw new Error(`unknown Ref ${ref}`);
      if (r.Type === 'AWS::S3::Bucket' && r.Properties?.BucketName !== undefined) {
        return this.resolve(r.Properties.BucketName);
      }
      return ref;
    }
    if ('Fn::GetAtt' in value) {
      const [id, attr] = value['Fn::GetAtt'] as [string, string];
      const r = this.own.Resources[id];
      if (r?.Type === 'AWS::DynamoDB::Table' && attr === 'StreamArn') return `${arnOf(r.Type, id, this)}/stream/local`;
      if (r === undefined || attr !== 'Arn') throw new Error(`cannot resolve GetAtt ${id}.${attr}`);
      return arnOf(r.Type, id, this);
    }
    if ('Fn::ImportValue' in value) {
      const name = this.resolve(value['Fn::ImportValue'] as Json);
      for (const [n, exporter] of this.exporters.entries()) {
        const others = this.exporters.filter((_, m) => m !== n);
        const output = Object.values(exporter.Outputs ?? {}).find(
          (o) => o.Export !== undefined && new Resolver(exporter, ...others).resolve(o.Export.Name) === name,
        );
        if (output !== undefined) return new Resolver(exporter, ...others).resolve(output.Value);
      }
      throw new Error(`no export ${name}`);
    }
    throw new Error(`cannot resolve ${JSON.stringify(value)}`);
  }
}

function arnOf(type: string, id: string, resolver: Resolver): string {
  switch (type) {
    case 'AWS::DynamoDB::Table':
      return `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${id}`;
    case 'AWS::KMS::Key':
      return `arn:aws:kms:${REGION}:${ACCOUNT}:key/${id}`;
    case 'AWS::S3::Bucket':
      return `arn:aws:s3:::${resolver.resolve({ Ref: id })}`;
    case 'AWS::StepFunctions::StateMachine':
      return `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${id}`;
    case 'AWS::SQS::Queue':
      return `arn:aws:sqs:${REGION}:${ACCOUNT}:${id}`;
    case 'AWS::Logs::LogGroup':
      return `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${id}`;
    case 'AWS::Lambda::Function':
      return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${id}`;
    case 'AWS::Cognito::UserPool':
      return `arn:aws:cognito-idp:${REGION}:${ACCOUNT}:userpool/${id}`;
    default:
      throw new Error(`no ARN form for ${type}`);
  }
}

/** An IAM action on a resource ARN. */
export interface Access {
  readonly action: string;
  readonly resource: string;
}

/** The part of an SDK client's middleware stack used to record calls. */
interface Recordable {
  readonly middlewareStack: {
    add(
      middleware: (
        next: (args: { input: object }) => Promise<unknown>,
        context: { clientName?: string; commandName?: string },
      ) => (args: { input: object }) => Promise<unknown>,
      options: { step: 'initialize'; name: string },
    ): void;
  };
}

/** One recorded SDK call, in local names. */
export interface Call {
  readonly fn: string;
  readonly client: string;
  readonly command: string;
  readonly input: Record<string, unknown>;
}

/**
 * Records every call `client` sends while `attribute` names the function
 * making it (none: the call is not recorded).
 */
export function recordCalls(client: object, attribute: () => string | undefined, into: Call[]): void {
  (client as Recordable).middlewareStack.add(
    (next, context) => async (args) => {
      const fn = attribute();
      if (fn !== undefined) {
        into.push({ fn, client: String(context.clientName), command: String(context.commandName), input: args.input as Record<string, unknown> });
      }
      return next(args);
    },
    { step: 'initialize', name: 'recordIamUse' },
  );
}

/** Local store names / key ids → deployed ARNs. */
export interface Names {
  table(local: string): string;
  bucket(local: string): string;
  key(local: string): string;
}

/** The IAM actions (and resources) an SDK command needs. */
export function accessesOf(call: Call, names: Names): Access[] {
  const op = call.command.replace(/Command$/, '');
  const i = call.input as Record<string, any>;
  if (call.client === 'DynamoDBClient') {
    const table = (t: string) => names.table(t);
    switch (op) {
      case 'Query':
      case 'Scan':
        return [{ action: `dynamodb:${op}`, resource: i.IndexName === undefined ? table(i.TableName) : `${table(i.TableName)}/index/${i.IndexName}` }];
      case 'BatchGetItem':
      case 'BatchWriteItem':
        return Object.keys(i.RequestItems).map((t) => ({ action: `dynamodb:${op}`, resource: table(t) }));
      case 'TransactWriteItems':
      case 'TransactGetItems':
        return (i.TransactItems as Record<string, { TableName: string }>[]).map((item) => {
          const [kind, body] = Object.entries(item)[0] as [string, { TableName: string }];
          const action = { Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'ConditionCheckItem', Get: 'GetItem' }[kind];
          return { action: `dynamodb:${action}`, resource: table(body.TableName) };
        });
      default:
        return [{ action: `dynamodb:${op}`, resource: table(i.TableName) }];
    }
  }
  if (call.client === 'S3Client') {
    const bucket = (b: string) => `arn:aws:s3:::${names.bucket(b)}`;
    const object = (b: string, k: string) => `${bucket(b)}/${k}`;
    const versioned = (base: string, v: unknown) => (v === undefined ? base : `${base}Version`);
    switch (op) {
      case 'ListObjectsV2':
      case 'ListObjects':
        return [{ action: 's3:ListBucket', resource: bucket(i.Bucket) }];
      case 'ListObjectVersions':
        return [{ action: 's3:ListBucketVersions', resource: bucket(i.Bucket) }];
      case 'GetObject':
      case 'HeadObject':
        return [{ action: versioned('s3:GetObject', i.VersionId), resource: object(i.Bucket, i.Key) }];
      case 'DeleteObject':
        return [{ action: versioned('s3:DeleteObject', i.VersionId), resource: object(i.Bucket, i.Key) }];
      case 'DeleteObjects':
        return (i.Delete.Objects as { Key: string; VersionId?: string }[]).map((o) => ({
          action: versioned('s3:DeleteObject', o.VersionId),
          resource: object(i.Bucket, o.Key),
        }));
      default:
        return [{ action: `s3:${op}`, resource: object(i.Bucket, i.Key) }];
    }
  }
  if (call.client === 'KMSClient') {
    return [{ action: `kms:${op}`, resource: names.key(i.KeyId) }];
  }
  throw new Error(`no IAM mapping for ${call.client}.${call.command}`);
}

/** IAM wildcard match (`*` and `?`). */
export function matches(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return re.test(value);
}

/** One Allow statement of a role, resolved. */
export interface Grant {
  readonly actions: string[];
  readonly resources: string[];
}

/** The Allow statements of a function's role, resolved. */
export function grantsOf(template: Tpl, resolver: Resolver, functionId: string): Grant[] {
  const role = (template.Resources[functionId]?.Properties?.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const list = (v: Json | undefined): Json[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
  return Object.values(template.Resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && list(r.Properties?.Roles).some((x) => JSON.stringify(x) === JSON.stringify({ Ref: role })))
    .flatMap((r) => list((r.Properties?.PolicyDocument as { Statement: Json }).Statement) as Record<string, Json>[])
    .filter((s) => s.Effect === 'Allow')
    .map((s) => ({ actions: list(s.Action).map(String), resources: list(s.Resource).map((x) => resolver.resolve(x)) }));
}

/** Each (statement, action, resource) of `grants`, keyed `statement|action|resource`. */
export function grantEntries(grants: readonly Grant[]): { key: string; action: string; resource: string }[] {
  return grants.flatMap((grant, g) => grant.actions.flatMap((action) => grant.resources.map((resource) => ({ key: `${g}|${action}|${resource}`, action, resource }))));
}

/** The keys ({@link grantEntries}) of the grants that allow `access`; none: it is not granted. */
export function allowing(grants: readonly Grant[], access: Access): string[] {
  return grantEntries(grants)
    .filter((e) => matches(e.action, access.action) && matches(e.resource, access.resource))
    .map((e) => e.key);
}

/** A function's environment variables, unresolved. */
export function environmentOf(template: Tpl, functionId: string): Record<string, Json> {
  return (template.Resources[functionId]?.Properties?.Environment as { Variables?: Record<string, Json> } | undefined)?.Variables ?? {};
}

/** The deployed ARN of each local table, bucket and key, through the stateful stack's outputs. */
export function deployedNames(stateful: Tpl): Names {
  const statefulResolver = new Resolver(stateful);
  const output = (key: string) => statefulResolver.resolve((stateful.Outputs?.[key] as { Value: Json }).Value);
  const tableArn = (logical: string) => `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${logical}`;
  const keyById = (construct: string) =>
    Object.entries(stateful.Resources).find(([id, r]) => r.Type === 'AWS::KMS::Key' && id.startsWith(`Keys${construct}`))?.[0] as string;
  // A local table or bucket name → the manifest entry → its stack output.
  const outputOfLocal = (kind: 'table' | 'bucket', local: string) => {
    const name = RESOURCE_NAMES.find((n) => resource(n).kind === kind && resource(n).local === local);
    if (name === undefined) throw new Error(`unknown ${kind} ${local}`);
    return output(resource(name).output);
  };
  return {
    table: (t) => tableArn(outputOfLocal('table', t)),
    bucket: (b) => {
      if (b === LOCAL_EXPORTS_BUCKET) {
        const id = Object.keys(stateful.Resources).find((k) => stateful.Resources[k]?.Type === 'AWS::S3::Bucket' && statefulResolver.resolve({ Ref: k }).includes('-exports-'));
        return statefulResolver.resolve({ Ref: id as string });
      }
      return outputOfLocal('bucket', b);
    },
    key: (k) => {
      const construct = {
        [LOCAL_KEY_IDS.data]: 'DataKey',
        [LOCAL_KEY_IDS.hmac]: 'AuditPseudonymKey',
        [LOCAL_KEY_IDS.signing]: 'AuditSigningKey',
        [LOCAL_KEY_IDS.auditMac]: 'AuditMacKey',
      }[k];
      if (construct === undefined) throw new Error(`unknown key ${k}`);
      return `arn:aws:kms:${REGION}:${ACCOUNT}:key/${keyById(construct)}`;
    },
  };
}

/** A grant on a resource a function is deliberately not told of. */
export interface Untold {
  readonly fn: RegExp;
  readonly resource: string;
  readonly action: string;
}

/**
 * What is wrong with what a function is told: a variable naming another
 * resource, a resource told without a grant on it, or granted without
 * being told (unless `untold` explains it).
 */
export function toldProblems(template: Tpl, resolver: Resolver, stateful: Tpl, fnId: string, untold: readonly Untold[] = []): string[] {
  // A resource (its resolved name or ARN) is covered by a granted ARN.
  const covers = (arn: string, value: string) =>
    arn === value ||
    arn.endsWith(`:table/${value}`) ||
    arn.includes(`:table/${value}/`) ||
    arn === `arn:aws:s3:::${value}` ||
    arn.startsWith(`arn:aws:s3:::${value}/`);
  const statefulResolver = new Resolver(stateful);
  const deployedValue = (name: (typeof RESOURCE_NAMES)[number]) =>
    statefulResolver.resolve((stateful.Outputs?.[resource(name).output] as { Value: Json }).Value);
  const problems: string[] = [];
  const variables = environmentOf(template, fnId);
  const grants = grantsOf(template, resolver, fnId);
  for (const name of RESOURCE_NAMES) {
    const variable = resource(name).env;
    if (variable === undefined || stateful.Outputs?.[resource(name).output] === undefined) continue;
    const value = deployedValue(name);
    const grantsOn = grants.filter((g) => g.resources.some((r) => covers(r, value)));
    const told = variables[variable] !== undefined;
    if (told && resolver.resolve(variables[variable] as Json) !== value) problems.push(`${fnId}: ${variable} is not ${name}`);
    if (told && grantsOn.length === 0) problems.push(`${fnId}: told ${name} (${variable}) without a grant on it`);
    const untoldOk = grantsOn.every((g) => untold.some((u) => u.fn.test(fnId) && u.resource === name && g.actions.every((a) => a === u.action)));
    if (!told && grantsOn.length > 0 && !untoldOk) problems.push(`${fnId}: granted on ${name} but not told it (${variable})`);
  }
  return problems;
}
