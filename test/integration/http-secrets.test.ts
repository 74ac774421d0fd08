import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readSecret } from '../../src/clients/secrets.js';
import { InputError, UsageError } from '../../src/engine/errors.js';

const dir = mkdtempSync(path.join(tmpdir(), 'idsync-secrets-'));
const ENV = ['IDSYNC_TEST_TOKEN_A', 'IDSYNC_TEST_TOKEN_B'];
afterEach(() => {
  for (const name of ENV) delete process.env[name];
});

async function refusal(promise: Promise<unknown>): Promise<Error> {
  const err = await promise.then(() => null, (e: unknown) => e as Error);
  expect(err).not.toBeNull();
  return err as Error;
}

describe('readSecret', () => {
  it('reads a file, trimming the newline editors add, before any variable', async () => {
    const file = path.join(dir, 'token');
    writeFileSync(file, '  s3cr3t-file-value\n');
    process.env.IDSYNC_TEST_TOKEN_A = 'from-env';
    expect(await readSecret({ file, env: ENV, what: 'IAM token' })).toBe('s3cr3t-file-value');
  });

  it('takes the first variable that is set', async () => {
    process.env.IDSYNC_TEST_TOKEN_A = '  ';
    process.env.IDSYNC_TEST_TOKEN_B = 'from-b';
    expect(await readSecret({ env: ENV, what: 'IAM token' })).toBe('from-b');
  });

  it('says where it looked, never what it found', async () => {
    const none = await refusal(readSecret({ env: ENV, what: 'IAM token', option: '--token-file' }));
    expect(none).toBeInstanceOf(UsageError);
    expect(none.message).toBe('no IAM token: give --token-file FILE or set IDSYNC_TEST_TOKEN_A or IDSYNC_TEST_TOKEN_B');
    const missing = await refusal(readSecret({ file: path.join(dir, 'nope'), env: ENV, what: 'IAM token' }));
    expect(missing).toBeInstanceOf(InputError);
    expect(missing.message).toBe(`${path.join(dir, 'nope')}: cannot read the IAM token: no such file`);
    const empty = path.join(dir, 'empty');
    writeFileSync(empty, '\n');
    expect((await refusal(readSecret({ file: empty, env: ENV, what: 'HR password' }))).message).toMatch(/the HR password file is empty$/);
    const twoLines = path.join(dir, 'two');
    writeFileSync(twoLines, 'line-one-secret\nline-two-secret\n');
    const two = await refusal(readSecret({ file: twoLines, env: ENV, what: 'IAM token' }));
    expect(two.message).toMatch(/must hold the IAM token alone, on one line$/);
    expect(two.message).not.toContain('line-one-secret');
  });

  it.skipIf(process.getuid?.() === 0)('reports an unreadable file', async () => {
    const locked = path.join(dir, 'locked');
    writeFileSync(locked, 'x');
    chmodSync(locked, 0);
    expect((await refusal(readSecret({ file: locked, env: ENV, what: 'IAM token' }))).message).toMatch(/permission denied$/);
  });
});
