/**
 * Settings that persist between runs (endpoints, VO, experiment, options), in a conf store.
 * Secrets are refused here: they are read from files or the environment only.
 */
import Conf from 'conf';
import path from 'node:path';
import { UsageError } from './engine/errors.js';
import { configDir } from './paths.js';

/** The keys an admin may set, with what each is for (shown by `config --help`). */
export const SETTINGS: Record<string, string> = {
  vo: 'default VO name (--vo)',
  db: 'database file (--db)',
  experiment: 'HR experiment name (hr --experiment)',
  'hr.rules': 'documented or iam-1.12',
  'hr.suspensionGraceDays': 'days between PENDING_SUSPENSION and suspension (default 7)',
  'hr.removalGraceDays': 'days between suspension and removal (default 30)',
  'iam.url': 'IAM base URL',
  'iam.tokenFile': 'file holding the IAM bearer token (the path, never the token)',
  'voms.url': 'VOMS Admin URL up to /voms/<vo>',
  'voms.cert': 'client certificate file',
  'voms.key': 'client key file (the path, never its content)',
  'hr.url': 'HR API base URL',
  'hr.user': 'HR API user name',
  'hr.passwordFile': 'file holding the HR API password',
  'provision.url': 'XML-RPC provisioning API URL',
  'provision.agent': 'provisioning agent name',
  'provision.passwordFile': 'file holding the provisioning password',
  'provision.services': 'comma-separated services the provisioning plan manages',
  'plan.maxDeletePercent': 'default change threshold for plans (20)',
  concurrency: 'parallel requests for live fetches (default 8)',
};

const SECRET_WORDS = /(token|password|passwd|secret|credential)$/i;

export type Settings = Conf<Record<string, unknown>>;

export function openSettings(): Settings {
  return new Conf<Record<string, unknown>>({
    projectName: 'idsync-tui',
    projectSuffix: '',
    cwd: configDir(),
    configName: 'config',
    configFileMode: 0o600,
    accessPropertiesByDotNotation: false,
  });
}

export function checkSettingKey(key: string): void {
  if (SECRET_WORDS.test(key)) {
    throw new UsageError(`${key}: secrets are never stored in the settings; give a file (…File) or an environment variable`);
  }
  if (!(key in SETTINGS)) {
    throw new UsageError(`unknown setting ${JSON.stringify(key)}; known: ${Object.keys(SETTINGS).join(', ')}`);
  }
}

const FILE_KEYS = new Set(['db', 'iam.tokenFile', 'voms.cert', 'voms.key', 'hr.passwordFile', 'provision.passwordFile']);
const URL_KEYS = new Set(['iam.url', 'voms.url', 'hr.url', 'provision.url']);
const NUMBER_KEYS: Record<string, number> = { 'hr.suspensionGraceDays': 0, 'hr.removalGraceDays': 0, 'plan.maxDeletePercent': 0, concurrency: 1 };
const CHOICES: Record<string, readonly string[]> = { 'hr.rules': ['documented', 'iam-1.12'] };

/**
 * The value to store for `config set KEY VALUE`, refused with a usage error when the commands
 * that read it later would refuse it (a cron job should not be the first to find the typo).
 * File settings are stored as absolute paths: they are read later from another folder.
 */
export function checkSettingValue(key: string, value: string, cwd: string = process.cwd()): string {
  const text = value.trim();
  if (!text) throw new UsageError(`${key}: empty value; use \`idsync-tui config unset ${key}\` to remove the setting`);
  if (FILE_KEYS.has(key)) return path.resolve(cwd, text);
  if (URL_KEYS.has(key) && !/^https?:\/\/[^/\s]+/i.test(text)) throw new UsageError(`${key} takes an http(s) URL, not ${JSON.stringify(text)}`);
  if (key in NUMBER_KEYS) {
    const min = NUMBER_KEYS[key];
    const n = Number(text);
    if (!/^\d+(\.\d+)?$/.test(text) || n < min || (key === 'concurrency' && !Number.isInteger(n))) {
      throw new UsageError(`${key} takes a number ≥ ${min}${key === 'concurrency' ? ' (whole)' : ''}, not ${JSON.stringify(text)}`);
    }
  }
  const choices = CHOICES[key];
  if (choices && !choices.includes(text)) throw new UsageError(`${key} takes ${choices.join(' or ')}, not ${JSON.stringify(text)}`);
  return text;
}

/** A setting as a string, or undefined. */
export function getSetting(key: string, settings: Settings = openSettings()): string | undefined {
  const value = settings.get(key);
  return value === undefined || value === null ? undefined : String(value);
}
