import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { KeyAttribute, TableDefinition } from '#shared/domain/store-definitions.ts';

/** Props of {@link DefinedTable}. */
export interface DefinedTableProps {
  /** The shared definition the table is built from. */
  readonly definition: TableDefinition;
  /** Customer-managed key for encryption at rest. */
  readonly encryptionKey: kms.IKey;
  /** Removal policy. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

const TYPES: Record<KeyAttribute['type'], dynamodb.AttributeType> = {
  S: dynamodb.AttributeType.STRING,
  N: dynamodb.AttributeType.NUMBER,
  B: dynamodb.AttributeType.BINARY,
};

const attr = (a: KeyAttribute): dynamodb.Attribute => ({ name: a.name, type: TYPES[a.type] });

/**
 * A DynamoDB table built from a shared definition, so the embedded mode
 * and the deployed stack have the same keys, indexes, TTL and streams.
 */
export class DefinedTable extends Construct {
  /** The table. */
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: DefinedTableProps) {
    super(scope, id);
    const def = props.definition;
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: attr(def.partitionKey),
      ...(def.sortKey === undefined ? {} : { sortKey: attr(def.sortKey) }),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.encryptionKey,
      pointInTimeRecoverySpecification: {
        pointInTimeRecoveryEnabled: def.pointInTimeRecovery,
      },
      ...(def.ttlAttribute === undefined ? {} : { timeToLiveAttribute: def.ttlAttribute }),
      ...(def.stream ? { stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES } : {}),
      deletionProtection: (props.removalPolicy ?? RemovalPolicy.RETAIN) === RemovalPolicy.RETAIN,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    for (const index of def.indexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: attr(index.partitionKey),
        ...(index.sortKey === undefined ? {} : { sortKey: attr(index.sortKey) }),
        projectionType:
          index.projection === 'ALL' ? dynamodb.ProjectionType.ALL : dynamodb.ProjectionType.KEYS_ONLY,
      });
    }
  }
}
