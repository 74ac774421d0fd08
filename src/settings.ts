/**
 * Settings that persist between runs (endpoints, VO, experiment, options), in a conf store.
 * Secrets are refused here: they are read from files or the environment only.
 */
import Conf from 'conf';
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

/** A setting as a string, or undefined. */
export function getSetting(key: string, settings: Settings = openSettings()): string | undefined {
  const value = settings.get(key);
  return value === undefined || value === null ? undefined : String(value);
}
