/**
 * Synthesizes the CDK app the way `npx cdk synth -c audit-pump:<key>=<value>` does: cdk.json's
 * context (the feature flags), the user's context as strings, then infra/build-app.ts. Bundling
 * is skipped (no esbuild run) to keep the tests fast; test/infra/bundled-handler.test.ts bundles.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildApp } from '../../infra/build-app.ts';
import type { AuditPumpStack } from '../../infra/stack.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CDK_JSON_CONTEXT = (
  JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }
).context;

export const START = '2026-11-01T00:00:00Z';

/** A source as a sources file holds it, with a secret named after it. */
export function source(id: string, vendor: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    vendor,
    baseUrl: `https://${id}.example.com`,
    secretName: `audit-pump/${id}`,
    startFrom: START,
    ...extra,
  };
}

/** Writes a sources file and returns its path. */
export function sourcesFile(sources: readonly unknown[]): string {
  const path = join(mkdtempSync(join(tmpdir(), 'audit-pump-infra-')), 'sources.json');
  writeFileSync(path, JSON.stringify({ sources }));
  return path;
}

export interface Synth {
  readonly app: App;
  readonly stack: AuditPumpStack;
  readonly template: Template;
  /** The stack's template and those of its nested stacks (the sources' schedules and alarms). */
  readonly all: readonly Template[];
}

/**
 * The app for `-c audit-pump:<key>=<value>` given as `context` (keys without the prefix, values as
 * typed). `bundle` runs the functions' bundling too (esbuild: seconds per function).
 */
export async function synth(
  context: Record<string, string>,
  options: { env?: NodeJS.ProcessEnv; bundle?: boolean } = {},
): Promise<Synth> {
  const env = options.env ?? { CDK_DEFAULT_ACCOUNT: '123456789012' };
  const user = Object.fromEntries(
    Object.entries({ region: 'eu-west-1', ...context }).map(([k, v]) => [`audit-pump:${k}`, v]),
  );
  const app = new App({
    context: { ...CDK_JSON_CONTEXT, ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }), ...user },
  });
  const stack = await buildApp(app, env);
  const template = Template.fromStack(stack);
  return { app, stack, template, all: [template, ...stack.pump.sourceSets.map((s) => Template.fromStack(s))] };
}

/** Resources of a type across the stack and its nested stacks. */
export function resources<P = Record<string, unknown>>(
  all: readonly Template[],
  type: string,
): Array<{ id: string; Properties: P } & Record<string, unknown>> {
  return all.flatMap((t) =>
    Object.entries(t.findResources(type)).map(([id, r]) => ({ id, ...(r as { Properties: P }) })),
  );
}

/** cdk-nag's AwsSolutions findings nobody acknowledged, over the stack and its nested stacks. */
export function nagFindings({ app, stack }: Synth): string[] {
  const checks = new AwsSolutionsChecks(app);
  return [stack, ...stack.pump.sourceSets].flatMap((scope) =>
    checks
      .validateScope(scope)
      .violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.resourceLogicalId).join(',')}`),
  );
}
