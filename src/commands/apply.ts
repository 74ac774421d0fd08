/**
 * `apply PLAN_ID [--apply] [--retry-failed]` (CONTRACT.md): the approved changes of a plan go to
 * the target it was made for. Without `--apply` it only prints what would be sent (and needs no
 * credentials); with it, each change is re-checked, sent and its result stored at once, with a
 * progress bar (done / failed / stale, time left) on stderr. A killed run is resumed by running
 * the same command again; `--retry-failed` sends again only the changes that failed.
 */
import type { Command } from 'commander';
import { describeCounts } from '../engine/apply/index.js';
import { OperationError, UsageError } from '../engine/errors.js';
import { getSetting } from '../settings.js';
import { describeDiracChange } from '../apply/dirac.js';
import { describeIamChange } from '../apply/iam.js';
import { describeProvisioningChange } from '../apply/provisioning.js';
import { planApply, runApply, type ApplyReport } from '../apply/runner.js';
import { currentCountOf, thresholdOf, writerFor, type WriterOptions } from '../apply/writers.js';
import type { PlanInfo, Store, StoredChange } from '../store/types.js';
import { EXIT, action, globalOptions, parseNonNegative, printJson, printLine, type GlobalOptions } from './context.js';
import { addNetworkOptions, httpOptions, type NetworkOptions } from './fetch.js';
import { withStore } from './inputs.js';
import { createProgress, type Progress } from './progress.js';

export interface ApplyFlags extends NetworkOptions {
  apply?: boolean;
  retryFailed?: boolean;
  maxDeletePercent?: string;
  iamUrl?: string;
  tokenFile?: string;
  dirac?: string;
  provisionUrl?: string;
  agent?: string;
  passwordFile?: string;
}

export function parsePlanId(text: string): number {
  const id = Number(text);
  if (!Number.isInteger(id) || id < 1) throw new UsageError(`PLAN_ID must be a plan number (see \`idsync-tui plans\`), not ${JSON.stringify(text)}`);
  return id;
}

export function requirePlan(store: Store, id: number): PlanInfo {
  const plan = store.getPlan(id);
  if (!plan) throw new OperationError(`no plan ${id} in ${store.file} (see \`idsync-tui plans\`)`);
  return plan;
}

/** The writer's options from the command line; the HTTP ones are checked only when a network target needs them. */
function writerOptions(flags: ApplyFlags, global: GlobalOptions, progress: Progress): WriterOptions {
  return { ...flags, http: () => httpOptions(flags, global, progress) };
}

function dryRun(store: Store, plan: PlanInfo, flags: ApplyFlags, global: GlobalOptions): number {
  const destination = plan.target === 'dirac' ? flags.dirac ?? (plan.extra as { cfgPath?: string } | null)?.cfgPath ?? '(no file)' : plan.target === 'iam' ? flags.iamUrl ?? getSetting('iam.url') ?? '(--iam-url)' : flags.provisionUrl ?? (plan.options.provisionUrl as string | undefined) ?? '(--provision-url)';
  const describe = plan.target === 'dirac' ? (c: StoredChange) => describeDiracChange(c, destination) : plan.target === 'provisioning' ? describeProvisioningChange : describeIamChange;
  const preview = planApply(store, plan, describe, flags.retryFailed);
  if (global.json) {
    printJson({
      planId: plan.id,
      target: plan.target,
      dryRun: true,
      destination,
      summary: { toSend: preview.todo.length, finishedBefore: preview.finished, failedBefore: preview.failedBefore, notApproved: preview.notApproved },
      changes: preview.requests.map(({ change, lines }) => ({ changeId: change.id, op: change.op, kind: change.kind, phase: change.phase, requests: lines })),
    });
    return EXIT.ok;
  }
  printLine(`dry run: plan ${plan.id} (${plan.target}) would send ${preview.todo.length} change(s) to ${destination}; nothing is sent without --apply`);
  if (preview.finished || preview.failedBefore) printLine(`  ${preview.finished} change(s) already have a result; ${preview.failedBefore} failed before${flags.retryFailed ? '' : ' (--retry-failed sends them again)'}`);
  if (preview.notApproved) printLine(`  ${preview.notApproved} change(s) are not approved and are never sent`);
  for (const { change, lines } of preview.requests) {
    printLine(`  #${change.id} ${change.op} ${change.kind}`);
    for (const line of lines) printLine(`      ${line}`);
  }
  return EXIT.ok;
}

function printReport(report: ApplyReport, global: GlobalOptions): void {
  if (global.json) {
    printJson({
      planId: report.planId,
      target: report.target,
      dryRun: false,
      destination: report.destination,
      summary: { ...report.counts, finishedBefore: report.finishedBefore, failedBefore: report.failedBefore, notApproved: report.notApproved },
      results: [...report.results].sort((a, b) => a.changeId - b.changeId),
      stopped: report.stopped,
    });
    return;
  }
  const { counts } = report;
  if (counts.total === 0) {
    printLine(`plan ${report.planId}: nothing to send (${report.finishedBefore} change(s) already have a result, ${report.failedBefore} failed${report.failedBefore ? ': --retry-failed sends them again' : ''}, ${report.notApproved} not approved)`);
    return;
  }
  printLine(`plan ${report.planId} applied to ${report.destination}: ${counts.ok} ok, ${counts.failed} failed, ${counts.stale} stale of ${counts.total}`);
  for (const r of report.results) if (r.result !== 'ok') printLine(`  #${r.changeId} ${r.op} ${r.kind}: ${r.result}${r.message ? ` ${r.message}` : ''}`);
  if (report.stopped) printLine(report.stopped);
}

export function register(program: Command): void {
  addNetworkOptions(
    program
      .command('apply <planId>')
      .description('apply the approved changes of a plan (dry run: prints what would be sent, unless --apply)')
      .option('--apply', 'send the changes (default: dry run)')
      .option('--retry-failed', 'send again only the changes that failed')
      .option('--max-delete-percent <n>', 'stop when more than this share of the target would be deleted or changed (default: the plan\'s, 20)')
      .option('--iam-url <url>', 'IAM base URL (setting iam.url)')
      .option('--token-file <file>', 'file holding a bearer token with scim:write and iam:admin.write (else env IDSYNC_IAM_TOKEN or BEARER_TOKEN)')
      .option('--dirac <file>', 'the DIRAC CFG file to rewrite (default: the one the plan was made from)')
      .option('--provision-url <url>', 'XML-RPC provisioning API URL (default: the plan\'s; setting provision.url)')
      .option('--agent <name>', 'provisioning agent (default: the plan\'s; setting provision.agent)')
      .option('--password-file <file>', 'file holding the provisioning password (else env IDSYNC_PROVISION_PASSWORD)'),
  ).action(
    action(async function (this: Command, planIdText: string) {
      const flags = this.opts<ApplyFlags>();
      const global = globalOptions(this);
      const planId = parsePlanId(planIdText);
      if (!flags.apply) return withStore(global, (store) => dryRun(store, requirePlan(store, planId), flags, global), { readOnly: true });

      const progress = createProgress();
      const started = Date.now();
      try {
        const report = await withStore(global, async (store) => {
          const plan = requirePlan(store, planId);
          const writer = await writerFor(plan, store, writerOptions(flags, global, progress));
          return runApply(store, plan, writer, {
            retryFailed: flags.retryFailed,
            maxPercent: parseNonNegative('--max-delete-percent', flags.maxDeletePercent, thresholdOf(plan)),
            currentCount: currentCountOf(store, plan),
            onStart: (total) => progress.update({ phase: 'applying', done: 0, total }),
            onResult: (change, outcome, counts) => {
              if (outcome.result !== 'ok') progress.note(`#${change.id} ${change.op} ${change.kind}: ${outcome.result}${outcome.message ? ` ${outcome.message}` : ''}`);
              progress.update({ phase: describeCounts(counts, Date.now() - started), done: counts.done, total: counts.total });
            },
          });
        });
        progress.done();
        printReport(report, global);
        return report.counts.failed > 0 || report.stopped ? EXIT.failed : EXIT.ok;
      } finally {
        progress.done();
      }
    }),
  );
}
