/**
 * The CDK app: `npx cdk synth` / `npx cdk deploy` with `-c audit-pump:config=<sources file>`.
 * cdk-nag's AwsSolutions pack runs on every synth; an unacknowledged finding fails it.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError } from '../shared/errors.ts';
import { acknowledgeNagFindings } from './nag.ts';
import { loadDeploySettings } from './settings.ts';
import { AuditPumpStack } from './stack.ts';

const app = new App();
try {
  const settings = await loadDeploySettings((key) => app.node.tryGetContext(key));
  const stack = new AuditPumpStack(app, app.node.tryGetContext('audit-pump:stackName') ?? 'AuditPump', {
    settings,
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
  acknowledgeNagFindings(stack);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`audit-pump: ${error.message}\n`);
  process.exit(1);
}
