/**
 * `plan provisioning`: which downstream services each IAM account should be enabled in, compared
 * with what the provisioning API reports for it (getAccountInformation, read only), stored as a
 * plan so provisioning drift is reviewed and applied like any other plan. Nothing is written to
 * the API here. The IAM file, when given, is validated before the server is read, and the snapshot
 * and the plan are stored together at the end, so a failed read stores nothing.
 */
import type { Command } from 'commander';
import { mapLimit } from '../clients/http.js';
import { UsageError } from '../engine/errors.js';
import type { IamUser, PlannedChange } from '../engine/model.js';
import { parseSourceFile, type ParsedFile } from '../engine/sources/index.js';
import { planProvisioning, uidOf, type AccountReading, type ProvisioningPlanResult } from '../engine/targets/provisioning.js';
import { connectProvisioning } from '../clients/provisioning-connection.js';
import { getSetting } from '../settings.js';
import { storeParsed } from '../store/importFile.js';
import { EXIT, action, globalOptions, maxDeletePercent as maxDeletePercentOf, parseNonNegative, printJson, printLine } from './context.js';
import { loadSource, withStore } from './inputs.js';
import { planCommand } from './plan.js';
import { changeJson, conflictJson, printSection, reviewLine } from './plan-output.js';

interface Flags {
  iam?: string;
  services?: string;
  uidFrom?: string;
  provisionUrl?: string;
  agent?: string;
  passwordFile?: string;
  timeout?: string;
  concurrency?: string;
  maxDeletePercent?: string;
  exitCode?: boolean;
  limit?: string;
}

interface Run {
  planId: number;
  vo: string;
  services: string[];
  accounts: number;
  result: ProvisioningPlanResult;
}

function splitList(text: string | undefined): string[] | null {
  if (text === undefined) return null;
  const items = text.split(',').map((s) => s.trim()).filter(Boolean);
  return items.length ? items : null;
}

async function readIamFile(file: string | undefined): Promise<ParsedFile | null> {
  if (!file) return null;
  const parsed = await parseSourceFile('iam', file);
  if (parsed.parsed.kind !== 'iam-users') throw new UsageError(`${file} is an IAM groups dump, but --iam takes IAM users`);
  return parsed;
}

export function register(program: Command): void {
  planCommand(program)
    .command('provisioning')
    .description('which downstream services each IAM account should be enabled in, against what the provisioning API says (reads only)')
    .option('--iam <file>', 'IAM SCIM users dump (default: the newest IAM users snapshot)')
    .option('--services <list>', 'services the plan manages, comma-separated (setting provision.services; default: every service)')
    .option('--uid-from <source>', 'the downstream uid: userName (default) or label:[PREFIX/]NAME')
    .option('--provision-url <url>', 'XML-RPC provisioning API URL (setting provision.url)')
    .option('--agent <name>', 'agent name to log in as (setting provision.agent)')
    .option('--password-file <file>', 'file holding the agent password (or env IDSYNC_PROVISION_PASSWORD)')
    .option('--timeout <seconds>', 'per-call timeout (default 30)')
    .option('--concurrency <n>', 'accounts read at the same time (setting concurrency; default 8)')
    .option('--max-delete-percent <n>', 'stop when more than this % of provisioned accounts would change (setting plan.maxDeletePercent; default 20)')
    .option('--exit-code', 'exit with 3 when the plan has changes or conflicts')
    .option('--limit <n>', 'changes listed in the text output (default 20; 0 = all)')
    .action(
      action(async function (this: Command) {
        const flags = this.opts<Flags>();
        const global = globalOptions(this);
        const limit = parseNonNegative('--limit', flags.limit, 20);
        const maxDeletePercent = maxDeletePercentOf(flags.maxDeletePercent);
        const concurrency = Math.max(1, Math.floor(parseNonNegative('--concurrency', flags.concurrency ?? getSetting('concurrency'), 8)));
        const uidFrom = flags.uidFrom ?? 'userName';
        if (uidFrom !== 'userName' && !/^label:(?:[^/]+\/)?[^/]+$/.test(uidFrom)) {
          throw new UsageError(`--uid-from ${JSON.stringify(uidFrom)}: expected userName or label:[PREFIX/]NAME`);
        }
        const file = await readIamFile(flags.iam);
        const run = await withStore(global, async (store): Promise<Run> => {
          const vo0 = global.vo ?? null;
          const snapshot = file ? null : await loadSource<IamUser>(store, 'iam-users', undefined, vo0);
          const records = snapshot ? snapshot.records : (file!.parsed.records as IamUser[]);
          const sourceVo = snapshot ? (store.getSnapshot(snapshot.snapshotId)?.vo ?? null) : (file!.parsed.vo ?? null);
          const vo = vo0 ?? sourceVo ?? getSetting('vo');
          if (!vo) throw new UsageError('which VO? the IAM data names none: pass --vo NAME (or config set vo NAME)');

          const client = await connectProvisioning({
            url: flags.provisionUrl,
            agent: flags.agent,
            passwordFile: flags.passwordFile,
            insecure: global.insecure,
            timeoutMs: parseNonNegative('--timeout', flags.timeout, 30) * 1000 || undefined,
          });
          if (global.insecure) process.stderr.write('idsync-tui: TLS verification is OFF (--insecure)\n');
          const serviceMap = await client.getServiceMap();
          const services = splitList(flags.services) ?? splitList(getSetting('provision.services')) ?? Object.keys(serviceMap);
          const unknown = services.filter((s) => !(s in serviceMap));
          if (unknown.length) {
            throw new UsageError(`unknown service${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}: the API has ${Object.keys(serviceMap).join(', ') || 'none'}`);
          }
          const uids = [...new Set(records.map((u) => uidOf(u, uidFrom)).filter((u): u is string => u !== null))];
          const answers = await mapLimit(uids, concurrency, async (uid): Promise<AccountReading> => {
            const info = await client.getAccountInformation(uid, services);
            return { uid, connectors: info.connectors };
          });
          const readings = new Map(answers.map((r) => [r.uid, r]));
          const result = planProvisioning({ vo, iamUsers: records, services, serviceMap, readings, uidFrom, maxChangePercent: maxDeletePercent });

          const snapshotId = snapshot ? snapshot.snapshotId : storeParsed(store, file!, flags.iam!, vo).snapshot.id;
          const plan = store.addPlan({
            target: 'provisioning',
            vo,
            inputs: { iamUsers: snapshotId },
            options: { services, uidFrom, maxDeletePercent, provisionUrl: client.url, agent: client.agent },
            summary: result.summary,
            conflicts: result.conflicts,
            changes: result.changes,
            extra: { serviceMap, accountsRead: uids.length, withoutUid: result.withoutUid },
          });
          return { planId: plan.id, vo, services, accounts: uids.length, result };
        });
        if (global.json) {
          printJson({
            planId: run.planId,
            target: 'provisioning',
            vo: run.vo,
            services: run.services,
            summary: run.result.summary,
            changes: run.result.changes.map((c, i) => changeJson(i + 1, c)),
            conflicts: run.result.conflicts.map(conflictJson),
          });
        } else printText(run, limit);
        const pending = run.result.changes.length + run.result.conflicts.length;
        return flags.exitCode && pending > 0 ? EXIT.differences : EXIT.ok;
      }),
    );
}

function describe(c: PlannedChange): string {
  const what = c.op === 'insert' ? 'create, enabled' : `${String(c.old)} → ${String(c.new)}`;
  return `${String(c.ref.uid)} ${String(c.ref.service)}: ${what}`;
}

function printText(run: Run, limit: number): void {
  const { summary, changes, conflicts, withoutUid } = run.result;
  if (withoutUid.length) process.stderr.write(`idsync-tui: warning: ${withoutUid.length} IAM account(s) have no downstream uid and were not read: ${withoutUid.slice(0, 5).join(', ')}${withoutUid.length > 5 ? ', …' : ''}\n`);
  printLine(
    `plan ${run.planId} (provisioning, VO ${run.vo}; services ${run.services.join(', ')}; ${run.accounts} accounts read): ` +
      `${summary.insert} to create, ${summary.update} to enable or disable; ${conflicts.length} conflicts`,
  );
  const stop = conflicts.find((c) => c.kind === 'too-many-deletes');
  if (stop) printLine(`STOPPED, no changes planned: ${stop.detail}`);
  printSection('Conflicts:', conflicts, limit, (c) => `${c.kind}: ${c.detail}`);
  printSection('Changes:', changes, limit, (c, i) => `#${i + 1} ${describe(c)} — ${c.reason}`);
  printLine('');
  printLine(reviewLine(run.planId, 'nothing was sent to the provisioning API'));
}
