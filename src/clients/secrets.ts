/**
 * Secrets (tokens, passwords) come from a file or the environment, never from the command line
 * (it shows in `ps` and shell history) and never from the settings store. Errors say where we
 * looked, never what we found.
 */
import { readFile } from 'node:fs/promises';
import { InputError, UsageError } from '../engine/errors.js';

export interface SecretSource {
  /** A file holding the secret (surrounding whitespace is dropped). Wins over the environment. */
  file?: string;
  /** Environment variables to try, in order. */
  env: string[];
  /** What the secret is, for messages: `IAM token`. */
  what: string;
  /** The option that names the file, for messages: `--token-file`. */
  option?: string;
}

export async function readSecret(source: SecretSource): Promise<string> {
  const { file, env, what } = source;
  if (file) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      const code = (err as { code?: string }).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code ?? 'unreadable';
      throw new InputError(file, null, `cannot read the ${what}: ${why}`);
    }
    const secret = text.trim();
    if (!secret) throw new InputError(file, null, `the ${what} file is empty`);
    if (/[\r\n]/.test(secret)) throw new InputError(file, null, `the ${what} file must hold the ${what} alone, on one line`);
    return secret;
  }
  for (const name of env) {
    const value = process.env[name]?.trim();
    if (value) return value;
  }
  const option = source.option ? `${source.option} FILE or ` : '';
  const vars = env.join(' or ');
  throw new UsageError(`no ${what}: give ${option}set ${vars}`);
}
