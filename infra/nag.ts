/**
 * cdk-nag (AwsSolutions) acknowledgements, each with its reason. Those of one resource are made
 * where it is made (`nag.ack`); the ones below cover the whole AuditPump. Anything else cdk-nag
 * reports fails `cdk synth` and the infra tests.
 */
import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Records an acknowledgement in both forms cdk-nag 3 reads: `AwsSolutions::<id>` filters the
 * synth-time report, the bare id (stored as `Annotation::<id>`) is what `validateScope` checks.
 */
function ack(scope: IConstruct, reason: string, ...ids: string[]): void {
  Validations.of(scope).acknowledge(
    ...ids.flatMap((id) => [
      { id: `AwsSolutions::${id}`, reason },
      { id, reason },
    ]),
  );
}

/** Acknowledges the findings that are deliberate throughout an AuditPump. */
export function acknowledgePumpFindings(pump: IConstruct): void {
  ack(
    pump,
    'The functions target Node.js 22, the runtime audit-pump is built and tested for (DESIGN.md); moving to a newer runtime is a tested upgrade, not a silent one.',
    'AwsSolutions-L1',
  );
  ack(
    pump,
    "KMS grants made by the CDK (grantEncryptDecrypt: the functions, the Firehose streams' encryption role) use the kms:GenerateDataKey* and kms:ReEncrypt* action families; they are scoped to the pump's single key.",
    'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
    'AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
  );
}

/** Acknowledgements that belong to one construct, called where the construct is made. */
export const nag = { ack };
