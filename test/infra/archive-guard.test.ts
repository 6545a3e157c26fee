/**
 * Nothing the pump runs can delete the archive: the Firehose roles have exactly the S3 actions the
 * Firehose developer guide lists for an S3 destination, each on its own stream's prefixes, and the
 * bucket policy denies deleting objects or changing that policy or the lifecycle to every
 * principal but the break-glass role the context names.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { source, sourcesFile, synth } from './synth.ts';

type Statement = {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
  Principal?: unknown;
};

const CONFIG = sourcesFile([
  source('veza-main', 'veza'),
  source('cbc-queue', 'carbonblack', { options: { orgKey: 'O', mode: 'queue' } }),
]);
const DOCUMENTED = [
  's3:AbortMultipartUpload',
  's3:GetBucketLocation',
  's3:GetObject',
  's3:ListBucket',
  's3:ListBucketMultipartUploads',
  's3:PutObject',
];
const BREAK_GLASS = 'arn:aws:iam::123456789012:role/archive-break-glass';

let template: Template;
beforeAll(async () => {
  ({ template } = await synth({
    config: CONFIG,
    siemType: 'splunk',
    siemEndpoint: 'https://hec.example.com:8088',
    siemSecretName: 'audit-pump/splunk',
  }));
});

const actions = (s: Statement) => [s.Action].flat();
function statementsOf(t: Template, rolePrefix: string): Statement[] {
  const policies = t.findResources('AWS::IAM::Policy', {
    Properties: { Roles: [{ Ref: Match.stringLikeRegexp(`^${rolePrefix}`) }] },
  });
  return Object.values(policies).flatMap(
    (p) => (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement,
  );
}
/** The object resources a statement names, as `<prefix>*` strings after the bucket ARN. */
function objectPrefixes(s: Statement): string[] {
  return [s.Resource].flat().map((r) => JSON.stringify(r).match(/"\/([^"]*)"\]\]\}$/)?.[1] ?? '(bucket)');
}

describe('the Firehose roles', () => {
  for (const [role, own] of [
    ['ArchiveStreamWriterRole', ['events/vendor=*', 'errors/events/*']],
    ['DeadLetterStreamWriterRole', ['dead-letter/vendor=*', 'errors/dead-letter/*']],
    ['SiemStreamWriterRole', ['siem-failed/*', 'errors/siem-failed/*']],
  ] as const) {
    it(`${role}: exactly the documented S3 actions, object actions on its own prefixes only, never a delete`, () => {
      // Act
      const s3 = statementsOf(template, role).filter((s) => actions(s).some((a) => a.startsWith('s3:')));

      // Assess
      expect([...new Set(s3.flatMap(actions))].sort()).toEqual(DOCUMENTED);
      const objects = s3.filter((s) => actions(s).includes('s3:PutObject'));
      expect(objects.flatMap(objectPrefixes).sort()).toEqual([...own].sort());
      expect(JSON.stringify(s3)).not.toMatch(/Delete|"s3:\*"|s3:List\*|GetObject\*/);
    });
  }

  it('the dead-letter stream cannot write events/, nor the archive stream dead-letter/', () => {
    const deadLetter = statementsOf(template, 'DeadLetterStreamWriterRole').flatMap(objectPrefixes);
    const archive = statementsOf(template, 'ArchiveStreamWriterRole').flatMap(objectPrefixes);

    expect(deadLetter.filter((p) => p.startsWith('events/'))).toEqual([]);
    expect(archive.filter((p) => p.startsWith('dead-letter/'))).toEqual([]);
  });

  it('use the bucket key only through S3 and only for the archive bucket', () => {
    const kms = statementsOf(template, 'ArchiveStreamWriterRole').filter((s) =>
      actions(s).some((a) => a.startsWith('kms:')),
    );

    expect(kms).toHaveLength(1);
    expect(actions(kms[0] as Statement).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    expect(kms[0]?.Condition?.StringEquals).toEqual({ 'kms:ViaService': 's3.eu-west-1.amazonaws.com' });
    expect(JSON.stringify(kms[0]?.Condition?.StringLike)).toContain('ArchiveBucket');
  });
});

describe('no role of the stack may delete from the archive bucket', () => {
  it('no allow statement anywhere grants a delete or s3:* on it', () => {
    const allows = Object.values(template.findResources('AWS::IAM::Policy'))
      .concat(Object.values(template.findResources('AWS::IAM::ManagedPolicy')))
      .flatMap(
        (p) =>
          (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement,
      )
      .filter((s) => s.Effect === 'Allow' && JSON.stringify(s.Resource).includes('ArchiveBucket'));

    expect(allows.length).toBeGreaterThan(0);
    expect(allows.flatMap(actions).filter((a) => /^s3:(Delete|\*|.*\*$)/.test(a))).toEqual([]);
  });
});

describe('the archive bucket policy', () => {
  const guard = (t: Template): Statement[] =>
    (
      Object.values(
        t.findResources('AWS::S3::BucketPolicy', {
          Properties: { Bucket: { Ref: Match.stringLikeRegexp('^ArchiveBucket') } },
        }),
      )[0] as { Properties: { PolicyDocument: { Statement: Statement[] } } }
    ).Properties.PolicyDocument.Statement.filter((s) => s.Sid?.startsWith('Archive'));

  it('denies deleting objects, and changing its own policy or the lifecycle, to every principal', () => {
    // Act
    const [objects, bucket] = guard(template);

    // Assess
    expect(objects).toMatchObject({
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: ['s3:DeleteObject', 's3:DeleteObjectVersion'],
    });
    expect(bucket).toMatchObject({
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: ['s3:DeleteBucketPolicy', 's3:PutBucketPolicy', 's3:PutLifecycleConfiguration'],
    });
    expect(objects?.Condition).toBeUndefined();
    expect(bucket?.Condition).toBeUndefined();
  });

  it('exempts only the break-glass role that -c audit-pump:breakGlassRoleArn names', async () => {
    // Act
    const { template: withRole } = await synth({ config: CONFIG, breakGlassRoleArn: BREAK_GLASS });

    // Assess
    for (const statement of guard(withRole)) {
      expect(statement.Effect).toBe('Deny');
      expect(statement.Condition).toEqual({ ArnNotEquals: { 'aws:PrincipalArn': BREAK_GLASS } });
    }
  });

  it('refuses a break-glass value that is not a role ARN, naming the context key', async () => {
    await expect(synth({ config: CONFIG, breakGlassRoleArn: 'arn:aws:iam::123456789012:user/alice' })).rejects.toThrow(
      'audit-pump:breakGlassRoleArn: must be an IAM role ARN',
    );
  });
});
