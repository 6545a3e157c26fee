import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { AuditPump } from './audit-pump.ts';
import type { DeploySettings } from './settings.ts';

export interface AuditPumpStackProps extends StackProps {
  readonly settings: DeploySettings;
}

/**
 * The CDK app's stack: one AuditPump, configured from the context (infra/settings.ts). The
 * construct's id is `Default`, which the CDK leaves out of logical ids, so the stack's resources
 * keep the ids they would have if the stack held them directly.
 */
export class AuditPumpStack extends Stack {
  readonly pump: AuditPump;

  constructor(scope: Construct, id: string, props: AuditPumpStackProps) {
    super(scope, id, props);
    this.pump = new AuditPump(this, 'Default', { ...props.settings.options, sources: props.settings.sources });
  }
}
