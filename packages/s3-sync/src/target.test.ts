import { describe, expect, it } from 'vitest';
import { S3SyncOptionsError } from './errors.js';
import { createS3Target, resolveTargetSettings } from './target.js';

describe('resolveTargetSettings (provider defaults)', () => {
  it('uses AWS virtual-hosted style and conditional writes for s3', () => {
    const s = resolveTargetSettings({ bucket: 'lake-bucket', prefix: '/sensors/' });
    expect(s).toMatchObject({
      provider: 's3',
      region: 'us-west-2',
      endpoint: undefined,
      forcePathStyle: false,
      checksum: 'when_supported',
      conditionalWrites: 'if-none-match',
      prefix: 'sensors',
      id: 's3://lake-bucket',
      plainHttp: false,
    });
  });

  it.each([
    ['wasabi', undefined, 'https://s3.us-east-1.wasabisys.com'],
    ['wasabi', 'eu-central-1', 'https://s3.eu-central-1.wasabisys.com'],
    ['backblaze', undefined, 'https://s3.us-west-004.backblazeb2.com'],
    ['hetzner', undefined, 'https://fsn1.your-objectstorage.com'],
    ['hetzner', 'nbg1', 'https://nbg1.your-objectstorage.com'],
    ['gcs', undefined, 'https://storage.googleapis.com'],
  ] as const)('derives the %s endpoint from region %s', (provider, region, endpoint) => {
    const s = resolveTargetSettings({ provider, bucket: 'bkt', ...(region ? { region } : {}) });
    expect(s.endpoint).toBe(endpoint);
    expect(s.forcePathStyle).toBe(true);
    expect(s.conditionalWrites).toBe('head-before-put');
    expect(s.id).toBe(`${endpoint}/bkt`);
  });

  it('needs an endpoint for r2 and minio', () => {
    expect(() => resolveTargetSettings({ provider: 'r2', bucket: 'bkt' })).toThrow(
      /endpoint: is required for r2/,
    );
    expect(() => resolveTargetSettings({ provider: 'minio', bucket: 'bkt' })).toThrow(S3SyncOptionsError);
    const s = resolveTargetSettings({ provider: 'minio', bucket: 'bkt', endpoint: 'http://127.0.0.1:9000/' });
    expect(s).toMatchObject({ endpoint: 'http://127.0.0.1:9000', plainHttp: true, forcePathStyle: true });
  });

  it('uses Content-MD5 checksums for gcs by default', () => {
    expect(resolveTargetSettings({ provider: 'gcs', bucket: 'bkt' }).checksum).toBe('when_required');
  });

  it.each([
    [{ provider: 'azure', bucket: 'bkt' }, /Azure Blob Storage has no S3 API/],
    [{ provider: 'ftp', bucket: 'bkt' }, /provider: "ftp" is not supported/],
    [{ bucket: '' }, /bucket: is required/],
    [{ bucket: 'a/b' }, /not a bucket name/],
    [{ bucket: 'bkt', endpoint: 'ftp://x' }, /must start with https:\/\//],
    [{ bucket: 'bkt', endpoint: 'not a url' }, /is not a URL/],
    [{ bucket: 'bkt', endpoint: 'https://key:secret@host' }, /must not contain credentials/],
    [{ bucket: 'bkt', checksum: 'crc64' }, /checksum: must be/],
    [{ bucket: 'bkt', credentials: { accessKeyId: 'AKIA', secretAccessKey: '' } }, /need both/],
  ])('refuses %o', (opts, msg) => {
    expect(() => resolveTargetSettings(opts as never)).toThrow(msg);
  });

  it('never echoes a secret in option errors', () => {
    try {
      resolveTargetSettings({ bucket: 'bkt', endpoint: 'https://AKIA:topsecretvalue@host' });
    } catch (e) {
      expect(String((e as Error).message)).not.toContain('topsecretvalue');
    }
  });
});

describe('createS3Target', () => {
  it('builds a client with the resolved settings and our retry policy in charge', async () => {
    const t = await createS3Target({
      provider: 'minio',
      bucket: 'bkt',
      endpoint: 'http://127.0.0.1:9',
      credentials: { accessKeyId: 'AKIAEXAMPLE1', secretAccessKey: 'secret-value-1' },
      checksum: 'when_required',
    });
    try {
      expect(t.client.config.forcePathStyle).toBe(true);
      expect(await t.client.config.region()).toBe('us-east-1');
      expect(await t.client.config.maxAttempts()).toBe(1);
      expect(await t.client.config.requestChecksumCalculation()).toBe('WHEN_REQUIRED');
      expect(t.redact('key AKIAEXAMPLE1 secret secret-value-1')).toBe('key *** secret ***');
      expect(t.plainHttp).toBe(true);
    } finally {
      t.destroy();
    }
  });
});
