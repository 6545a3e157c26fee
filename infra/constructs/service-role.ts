import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/** A construct holding one IAM role that an AWS service assumes; the subclass grants it what it needs. */
export abstract class ServiceRole extends Construct {
  readonly role: iam.Role;
  protected readonly stack: Stack;

  constructor(scope: Construct, id: string, props: Pick<iam.RoleProps, 'assumedBy' | 'description'>) {
    super(scope, id);
    this.stack = Stack.of(this);
    this.role = new iam.Role(this, 'Role', props);
  }
}
