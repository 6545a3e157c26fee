/**
 * The registration commands: one `aws securitylake create-custom-log-source` per class the
 * configured sources produce, with the API's parameters (source name, event class, crawler role,
 * provider account and external id), the classes Security Lake cannot take named, the deploy
 * context that follows, and bad input refused by name.
 */
import { describe, expect, it } from '@jest/globals';
import { registrationCommands, type RegistrationInput } from '../../../shared/security-lake/register.ts';
import { awsCommands } from '../../helpers/core-aws-script.ts';

const INPUT: RegistrationInput = {
  vendors: [
    { vendor: 'veza', classes: ['ApiActivity'] },
    { vendor: 'retraced', classes: ['ApiActivity', 'Authentication'] },
  ],
  providerAccount: '123456789012',
  externalId: 'audit-pump-7f3a',
  crawlerRoleArn: 'arn:aws:iam::111122223333:role/SecurityLakeCustomCrawler',
  region: 'eu-west-1',
};

describe('registrationCommands', () => {
  it('prints one create-custom-log-source call per class, with every parameter the API needs', () => {
    const configuration = `'{"crawlerConfiguration":{"roleArn":"arn:aws:iam::111122223333:role/SecurityLakeCustomCrawler"},"providerIdentity":{"externalId":"audit-pump-7f3a","principal":"123456789012"}}'`;

    expect(awsCommands(registrationCommands(INPUT))).toEqual([
      `aws securitylake create-custom-log-source --region eu-west-1 --source-name audit-pump-3002 --event-classes AUTHENTICATION --configuration ${configuration}`,
      `aws securitylake create-custom-log-source --region eu-west-1 --source-name audit-pump-6003 --event-classes API_ACTIVITY --configuration ${configuration}`,
    ]);
  });

  it('names the vendors of each class and the deploy context to use after registering', () => {
    const script = registrationCommands({ ...INPUT, prefix: 'acme' });

    expect(script).toContain('# API Activity (class_uid 6003) from veza, retraced');
    expect(script).toContain('--source-name acme-6003');
    expect(script).toContain(
      '#   -c audit-pump:securityLakeRoleArn=arn:aws:iam::111122223333:role/AmazonSecurityLake-Provider-{source}-eu-west-1',
    );
    expect(script).toContain('#   -c audit-pump:securityLakeExternalId=audit-pump-7f3a');
    expect(script).toContain('#   -c audit-pump:securityLakeSourcePrefix=acme');
  });

  it('registers no source for the Base Event, and says its events stay in the archive', () => {
    const script = registrationCommands({
      ...INPUT,
      vendors: [{ vendor: 'authentic8', classes: ['ApiActivity', 'BaseEvent'] }],
    });

    expect(awsCommands(script)).toHaveLength(1);
    expect(script).toContain(
      '# Base Event (class_uid 0) from authentic8: Security Lake has no event class for it; these events stay in the archive only.',
    );
  });

  it('refuses bad input, naming each problem', () => {
    expect(() =>
      registrationCommands({
        ...INPUT,
        providerAccount: '1234',
        externalId: "it's",
        crawlerRoleArn: 'role',
        region: 'mars',
      }),
    ).toThrow('the provider account must be 12 digits, got "1234"; the external id must match');
    expect(() =>
      registrationCommands({ ...INPUT, vendors: [{ vendor: 'authentic8', classes: ['BaseEvent'] }] }),
    ).toThrow('the configured sources produce no class Security Lake takes');
  });
});
