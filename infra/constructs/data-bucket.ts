import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Props of {@link DataBucket}. */
export interface DataBucketProps {
  /** Physical name. @default a generated name */
  readonly bucketName?: string;
  /** Key for SSE-KMS. */
  readonly encryptionKey: kms.IKey;
  /** Bucket receiving server access logs. */
  readonly accessLogs: s3.IBucket;
  /** Prefix of this bucket's access logs. */
  readonly accessLogsPrefix: string;
  /** Keep every object version. @default true */
  readonly versioned?: boolean;
  /** Object Lock in compliance mode with this default retention. @default none */
  readonly objectLockRetention?: Duration;
  /** Expire objects after this many days (exports only). @default never */
  readonly expireAfter?: Duration;
  /** Removal policy. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /** Send object events to EventBridge. @default false */
  readonly eventBridgeEnabled?: boolean;
}

/**
 * A bucket for personal data or evidence: SSE-KMS with a bucket key,
 * TLS only, public access blocked, access-logged, versioned. No lifecycle
 * rule removes noncurrent versions of documents: erasure is explicit and
 * audited, version by version.
 */
export class DataBucket extends Construct {
  /** The bucket. */
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: DataBucketProps) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      ...(props.bucketName === undefined ? {} : { bucketName: props.bucketName }),
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.encryptionKey,
      bucketKeyEnabled: true,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: props.versioned ?? true,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: props.accessLogsPrefix,
      ...(props.objectLockRetention === undefined
        ? {}
        : {
            objectLockEnabled: true,
            objectLockDefaultRetention: s3.ObjectLockRetention.compliance(props.objectLockRetention),
          }),
      ...(props.expireAfter === undefined
        ? {}
        : {
            lifecycleRules: [
              {
                expiration: props.expireAfter,
                noncurrentVersionExpiration: Duration.days(1),
              },
            ],
          }),
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      eventBridgeEnabled: props.eventBridgeEnabled ?? false,
    });
  }
}
