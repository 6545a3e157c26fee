/**
 * Example: audit-pump inside your own CDK app, as a construct among your resources.
 *
 *   npx cdk synth --app 'npx tsx infra/examples/embed.ts' -c sources=<your sources file>
 *
 * A project that depends on audit-pump imports it the same way: `from 'audit-pump/infra'` (the
 * package's "exports"; its modules are TypeScript, so run the app with tsx as above).
 */
import { App, CfnOutput, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Construct } from 'constructs';
import { AuditPump, loadSources, type SourceInput } from 'audit-pump/infra';

export interface SecurityLogsStackProps extends StackProps {
  readonly sources: readonly SourceInput[];
}

/** Your stack: the pump, with your own choices, next to whatever else the stack holds. */
export class SecurityLogsStack extends Stack {
  readonly pump: AuditPump;

  constructor(scope: Construct, id: string, props: SecurityLogsStackProps) {
    super(scope, id, props);
    this.pump = new AuditPump(this, 'Pump', {
      // Prefixes the pump's physical names (functions, alarms, dashboard, workgroup); default: the stack's name.
      name: 'SecLogsPump',
      sources: props.sources,
      alarmEmail: 'secops@example.com',
      siem: { type: 'splunk', endpoint: 'https://splunk.example.com:8088', secretName: 'audit-pump/splunk-hec' },
      archiveExpireAfterDays: 2555,
    });
    new CfnOutput(this, 'ArchiveBucket', { value: this.pump.archive.bucket.bucketName });
    new CfnOutput(this, 'AlarmTopic', { value: this.pump.monitoring.topic.topicArn });
  }
}

const app = new App();
const sources = await loadSources(
  (app.node.tryGetContext('sources') as string | undefined) ?? 'infra/example.sources.json',
);
new SecurityLogsStack(app, 'SecurityLogs', { env: { region: 'eu-west-1' }, sources });
// The pump acknowledges its own deliberate cdk-nag findings; the checks keep the rest of your app honest.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
