#!/usr/bin/env node
// The audit-pump command line. TypeScript sources run through tsx's loader: no build step.
import { register } from 'tsx/esm/api';

// The SDK warns on Node 20 about its 2027 releases; the Lambda runs Node 22.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
const { main } = await import('../local/cli.ts');
process.exitCode = await main(process.argv.slice(2));
