/**
 * `audit-pump security-lake register`: the registration calls for the classes the enabled sources
 * of a sources file produce (each vendor's connector declares them), and missing options named.
 */
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { securityLakeRegister } from '../../../local/cli/security-lake-command.ts';
import { awsCommands } from '../../helpers/core-aws-script.ts';

const CRAWLER = 'arn:aws:iam::111122223333:role/SecurityLakeCustomCrawler';

describe('audit-pump security-lake register', () => {
  it('prints the calls for the classes the enabled sources of the file produce', async () => {
    // Prepare
    const config = join(mkdtempSync(join(tmpdir(), 'register-')), 'sources.json');
    const source = (id: string, vendor: string, extra = {}) => ({
      id,
      vendor,
      baseUrl: 'https://x.example',
      secretName: `s/${id}`,
      startFrom: '2026-01-01T00:00:00Z',
      ...extra,
    });
    writeFileSync(
      config,
      JSON.stringify({
        sources: [
          source('v', 'veza'),
          source('cb', 'carbonblack', { options: { orgKey: 'O' } }),
          source('a8', 'authentic8', { enabled: false, options: { org: 'A' } }),
        ],
      }),
    );
    let printed = '';
    const out = new Writable({ write: (chunk, _e, done) => void ((printed += String(chunk)), done()) });

    // Act
    const code = await securityLakeRegister(
      [
        '--config',
        config,
        '--account',
        '123456789012',
        '--external-id',
        'x-1',
        '--crawler-role-arn',
        CRAWLER,
        '--region',
        'eu-west-1',
      ],
      out,
    );

    // Assess
    expect(code).toBe(0);
    expect(awsCommands(printed).map((c) => /--source-name (\S+) --event-classes (\S+)/.exec(c)?.slice(1))).toEqual([
      ['audit-pump-3002', 'AUTHENTICATION'],
      ['audit-pump-6003', 'API_ACTIVITY'],
    ]);
  });

  it('names a missing option, as a usage error', async () => {
    await expect(securityLakeRegister(['--config', 'x.json', '--account', '123456789012'])).rejects.toMatchObject({
      name: 'UsageError',
      message: '--external-id <id> is required',
    });
  });
});
