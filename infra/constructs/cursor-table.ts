import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { CURSOR_TABLE_KEY } from '../../shared/cursor-store.ts';

export interface CursorTableProps {
  /** Customer-managed key encrypting the table. */
  readonly key: kms.IKey;
  /** @default RemovalPolicy.RETAIN (cursors are the pipeline's memory) */
  readonly removalPolicy?: RemovalPolicy;
}

/** One item per source: cursor, version, lease, last success (DESIGN.md 4.3). */
export class CursorTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: CursorTableProps) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: CURSOR_TABLE_KEY, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.key,
      deletionProtection: true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
  }
}
