import { mkdtempSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveS3Settings } from '../../../../src/core/archive/s3/s3-settings.js';

const home = mkdtempSync(join(tmpdir(), 'ws-s3-settings-'));
const keys = { AWS_ACCESS_KEY_ID: 'AKID', AWS_SECRET_ACCESS_KEY: 'SECRET', HOME: home };
const resolve = (env: NodeJS.ProcessEnv, query: Record<string, string> = {}, configFile?: string) =>
  resolveS3Settings({ env, query, configFile });
const message = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('did not throw');
};

describe('resolveS3Settings', () => {
  it('defaults to AWS with virtual-host addressing, us-east-1 and TLS', () => {
    const settings = resolve(keys);
    expect(settings.endpoint.href).toBe('https://s3.us-east-1.amazonaws.com/');
    expect(settings.pathStyle).toBe(false);
    expect(settings.credentials).toEqual({ accessKeyId: 'AKID', secretAccessKey: 'SECRET' });
  });

  it('uses path-style for a custom endpoint unless told otherwise', () => {
    expect(resolve({ ...keys, AWS_ENDPOINT_URL: 'http://127.0.0.1:7480' }).pathStyle).toBe(true);
    expect(resolve({ ...keys, AWS_ENDPOINT_URL_S3: 'https://s3.internal' }, { 'path-style': 'false' }).pathStyle).toBe(false);
    expect(resolve({ ...keys, AWS_REGION: 'eu-west-1' }, { 'path-style': 'true' }).pathStyle).toBe(true);
  });

  it('takes each value from the first place that has it: URL, config file, environment, profile', () => {
    const config = join(home, 'cfg');
    writeFileSync(config, 'region = eu-central-1\nendpoint_url = https://from-file:9000\n', { mode: 0o644 });
    const env = { ...keys, AWS_REGION: 'us-west-2', AWS_ENDPOINT_URL: 'https://from-env' };
    expect(resolve(env, {}, config).region).toBe('eu-central-1');
    expect(resolve(env, { region: 'ap-south-1' }, config).region).toBe('ap-south-1');
    expect(resolve(env, {}, config).endpoint.origin).toBe('https://from-file:9000');
    expect(resolve(env).endpoint.origin).toBe('https://from-env');
    expect(resolve({ ...keys, AWS_DEFAULT_REGION: 'sa-east-1' }).region).toBe('sa-east-1');
  });

  it('reads AWS_PROFILE from ~/.aws/credentials and ~/.aws/config', async () => {
    const profileHome = mkdtempSync(join(tmpdir(), 'ws-s3-profile-'));
    await mkdir(join(profileHome, '.aws'));
    writeFileSync(join(profileHome, '.aws', 'credentials'), '[default]\naws_access_key_id = D\naws_secret_access_key = DS\n[archive]\naws_access_key_id = P\naws_secret_access_key = PS\naws_session_token = T\n');
    writeFileSync(join(profileHome, '.aws', 'config'), '[profile archive]\nregion = eu-north-1\ns3 =\n  addressing_style = path\n');
    const settings = resolve({ HOME: profileHome, AWS_PROFILE: 'archive' });
    expect(settings.credentials).toEqual({ accessKeyId: 'P', secretAccessKey: 'PS', sessionToken: 'T' });
    expect(settings.region).toBe('eu-north-1');
    expect(settings.pathStyle).toBe(true);
    expect(resolve({ HOME: profileHome }).credentials.accessKeyId).toBe('D');
  });

  it('refuses a config file with a secret that others can read, and half a key pair', () => {
    const open = join(home, 'open.conf');
    writeFileSync(open, 'aws_access_key_id = A\naws_secret_access_key = S\n', { mode: 0o640 });
    expect(message(() => resolve({ HOME: home }, {}, open))).toMatch(/holds a secret and has group or world access \(mode 640\)/);
    const half = join(home, 'half.conf');
    writeFileSync(half, 'aws_access_key_id = A\n', { mode: 0o600 });
    expect(message(() => resolve({ HOME: home }, {}, half))).toMatch(/only one of the access key id and the secret access key/);
  });

  it('says where credentials can come from when there are none', () => {
    expect(message(() => resolve({ HOME: home }))).toMatch(/no S3 credentials: set AWS_ACCESS_KEY_ID/);
  });

  it.each([
    ['ftp://host', /http or https only/],
    ['https://user:pw@host', /credentials do not belong in an endpoint URL/],
    ['https://host/path', /give scheme:\/\/host\[:port\] only/],
    ['not a url', /invalid S3 endpoint/],
  ])('refuses the endpoint %s', (endpoint, expected) => {
    const text = message(() => resolve({ ...keys, AWS_ENDPOINT_URL: endpoint }));
    expect(text).toMatch(expected);
    expect(text).not.toContain('pw');
  });
});
