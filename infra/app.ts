/**
 * The CDK app: `npx cdk synth` / `npx cdk deploy` with `-c audit-pump:config=<sources file>` (and
 * the other `audit-pump:` keys, docs/deploying.md). A configuration error prints one line naming
 * what is wrong and exits 1, without a stack trace.
 */
import { App } from 'aws-cdk-lib';
import { ConfigError } from '../shared/errors.ts';
import { buildApp } from './build-app.ts';

const app = new App();
try {
  await buildApp(app, process.env);
  app.synth();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`audit-pump: ${error.message}\n`);
  process.exit(1);
}
