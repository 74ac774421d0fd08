/**
 * `fetch hr`: read the CERN HR record of every IAM account linked to a person id (from the newest
 * IAM users snapshot) into an HR snapshot. Persons HR does not know and persons that could not be
 * read are stored with the snapshot, so `hr` can tell "not in HR" from "HR failed".
 */
import type { Command } from 'commander';
import { checkBaseUrl } from '../clients/http.js';
import { createHrHttp, fetchHrPersons } from '../clients/hr.js';
import { readSecret } from '../clients/secrets.js';
import { OperationError, UsageError } from '../engine/errors.js';
import { linkedPersonIds } from '../engine/hr/decision.js';
import type { IamUser } from '../engine/model.js';
import type { HrExtra } from '../engine/sources/hr.js';
import { getSetting } from '../settings.js';
import { action, globalOptions, parseNonNegative } from './context.js';
import { addNetworkOptions, fetchCommand, httpOptions, reportStored, storeFetched, withProgress, type NetworkOptions } from './fetch.js';
import { loadSource, withStore } from './inputs.js';

interface HrFetchFlags extends NetworkOptions {
  hrUrl?: string;
  hrUser?: string;
  hrPasswordFile?: string;
}

export function register(program: Command): void {
  addNetworkOptions(
    fetchCommand(program)
      .command('hr')
      .description('read the CERN HR record (GET /api/VOPersons/<id>) of every IAM account with a CERN person id')
      .option('--hr-url <url>', 'HR API base URL (setting hr.url)')
      .option('--hr-user <name>', 'HR API user name (setting hr.user)')
      .option('--hr-password-file <file>', 'file holding the HR API password (else env IDSYNC_HR_PASSWORD; setting hr.passwordFile)'),
  ).action(
    action(async function (this: Command) {
      const flags = this.opts<HrFetchFlags>();
      const global = globalOptions(this);
      const url = flags.hrUrl ?? getSetting('hr.url');
      if (!url) throw new UsageError('--hr-url is required (or set it once: idsync-tui config set hr.url URL)');
      const baseUrl = checkBaseUrl('--hr-url', url);
      const user = flags.hrUser ?? getSetting('hr.user');
      if (!user) throw new UsageError('--hr-user is required (or set it once: idsync-tui config set hr.user NAME)');
      const concurrency = Math.floor(parseNonNegative('--concurrency', flags.concurrency ?? getSetting('concurrency'), 4));
      if (concurrency < 1) throw new UsageError('--concurrency must be at least 1');
      const password = await readSecret({
        file: flags.hrPasswordFile ?? getSetting('hr.passwordFile'),
        env: ['IDSYNC_HR_PASSWORD'],
        what: 'HR password',
        option: '--hr-password-file',
      });
      const vo = global.vo ?? null;
      const personIds = await withStore(global, async (store) => linkedPersonIds((await loadSource<IamUser>(store, 'iam-users', undefined, vo)).records), { readOnly: true });
      if (personIds.length === 0) {
        throw new OperationError('no IAM account in the newest IAM snapshot carries hr.cern/cern_person_id: nothing to ask HR (fetch IAM with labels first)');
      }
      const result = await withProgress((progress) => {
        const http = createHrHttp({ baseUrl, user, password, ...httpOptions(flags, global, progress) });
        return fetchHrPersons(http, personIds, { concurrency, onProgress: (p) => progress.update(p) });
      });
      if (result.errors.length === personIds.length) {
        throw new OperationError(`every HR request failed, nothing stored; the first: ${result.errors[0].message}`);
      }
      if (result.notFound.length) process.stderr.write(`${result.notFound.length} of ${personIds.length} persons are not in HR (404)\n`);
      for (const e of result.errors) process.stderr.write(`warning: person ${e.personId}: ${e.message}\n`);
      if (result.errors.length) process.stderr.write(`${result.errors.length} persons could not be read: \`hr\` reports them as ERROR\n`);
      const extra: HrExtra = { notFound: result.notFound, errors: result.errors };
      reportStored(global, await storeFetched(global, baseUrl, vo, [{ source: 'hr', records: result.persons, extra }]));
    }),
  );
}
