/**
 * What `npx cdk synth|deploy` builds, as a function of the App (so tests run the very path a user's
 * `-c audit-pump:<key>=<value>` takes): the settings from the context, the stack, cdk-nag.
 */
import { Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadDeploySettings } from './settings.ts';
import { AuditPumpStack } from './stack.ts';

/** Adds the audit-pump stack the context describes to `app`; a ConfigError says what is wrong. */
export async function buildApp(app: App, env: NodeJS.ProcessEnv): Promise<AuditPumpStack> {
  const settings = await loadDeploySettings(app.node.getAllContext(), env);
  const stack = new AuditPumpStack(app, settings.stackName, {
    settings,
    env: { region: settings.region, ...(settings.account ? { account: settings.account } : {}) },
  });
  // AwsSolutions runs on every synth; an unacknowledged finding fails it (acknowledgements: infra/nag.ts).
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return stack;
}
