/**
 * `hr`: the CERN HR lifecycle decision for every IAM account linked to a person id (DESIGN.md §2.7,
 * CONTRACT.md `hr` JSON), what the expiry handler would do next, and the changes stored as an IAM
 * plan (review with `show`, decide with `approve`/`skip`, send with `apply`).
 */
import type { Command } from 'commander';
import { UsageError } from '../engine/errors.js';
import { iso, localToday, startOfDay } from '../engine/hr/dates.js';
import { decideAll, HR_RULES, type HrDecision, type HrRules, type HrRun } from '../engine/hr/decision.js';
import { planHr, type HrPlan } from '../engine/hr/plan.js';
import { gracePeriods, project, type GracePeriods } from '../engine/hr/projection.js';
import type { IamUser, VoPerson } from '../engine/model.js';
import { isCalendarDate, type HrExtra } from '../engine/sources/hr.js';
import { getSetting } from '../settings.js';
import { EXIT, action, globalOptions, parseNonNegative, printJson, printLine } from './context.js';
import { loadSources, withStore } from './inputs.js';
import { conflictJson } from './plan-output.js';

interface HrFlags {
  experiment?: string;
  today?: string;
  hrRules?: string;
  iam?: string;
  hr?: string;
  exitCode?: boolean;
  limit?: string;
}

export interface HrCommandOptions {
  experiment: string;
  today: string;
  now: number;
  rules: HrRules;
  grace: GracePeriods;
}

/** Options from flags and settings; usage errors name the option. */
export function hrOptions(flags: Pick<HrFlags, 'experiment' | 'today' | 'hrRules'>, now = Date.now()): HrCommandOptions {
  const experiment = (flags.experiment ?? getSetting('experiment'))?.trim();
  if (!experiment) throw new UsageError('--experiment NAME is required (or set it once: idsync-tui config set experiment NAME)');
  const realToday = localToday(now);
  const today = flags.today ?? realToday;
  if (!isCalendarDate(today)) throw new UsageError(`--today takes a date YYYY-MM-DD, not ${JSON.stringify(today)}`);
  const rules = flags.hrRules ?? getSetting('hr.rules') ?? 'documented';
  if (!(HR_RULES as readonly string[]).includes(rules)) throw new UsageError(`--hr-rules takes ${HR_RULES.join(' or ')}, not ${JSON.stringify(rules)}`);
  const grace = gracePeriods(getSetting('hr.suspensionGraceDays'), getSetting('hr.removalGraceDays'));
  // Another day than today: "now" is that day's start, so the output does not depend on the clock.
  return { experiment, today, now: today === realToday ? now : startOfDay(today), rules: rules as HrRules, grace };
}

/** One account in the CONTRACT.md shape, plus what the admin needs to judge it. */
export function accountJson(d: HrDecision, options: HrCommandOptions): Record<string, unknown> {
  const pair = <T>(c: { old: T; new: T } | null, f: (v: T) => unknown = (v) => v) => (c ? { old: f(c.old), new: f(c.new) } : null);
  return {
    iamId: d.iamId,
    userName: d.userName,
    personId: d.personId,
    status: d.status,
    message: d.message,
    endTime: pair(d.endTime, iso),
    restore: d.restore,
    emailSync: pair(d.emailSync),
    reason: d.reason,
    previousStatus: d.previousStatus,
    nameSync: d.givenName || d.familyName ? { givenName: pair(d.givenName), familyName: pair(d.familyName) } : null,
    emailBound: d.emailBound,
    participation: d.participation,
    projection: project(d.resultingEndTime, options.today, options.grace),
  };
}

interface HrRunResult {
  planId: number;
  vo: string | null;
  run: HrRun;
  plan: HrPlan;
}

export function register(program: Command): void {
  program
    .command('hr')
    .description('CERN HR lifecycle decision for each IAM account with a CERN person id; stores the changes as an IAM plan')
    .option('--experiment <name>', 'experiment as HR names it, any case (setting experiment)')
    .option('--today <date>', 'decide as of this day, YYYY-MM-DD (default: today, local)')
    .option('--hr-rules <rules>', 'documented (default) or iam-1.12 (setting hr.rules)')
    .option('--iam <file>', 'IAM SCIM users dump (default: the newest IAM users snapshot)')
    .option('--hr <file>', 'HR VOPersons export (default: the newest HR snapshot)')
    .option('--exit-code', 'exit with 3 when the plan has changes')
    .option('--limit <n>', 'accounts listed in the text output (default 20; 0 = all)')
    .action(
      action(async function (this: Command) {
        const flags = this.opts<HrFlags>();
        const global = globalOptions(this);
        const limit = parseNonNegative('--limit', flags.limit, 20);
        const options = hrOptions(flags);
        const result = await withStore(global, async (store): Promise<HrRunResult> => {
          const voOption = global.vo ?? null;
          const [iam, hr] = await loadSources(store, [{ kind: 'iam-users', file: flags.iam }, { kind: 'hr', file: flags.hr }], voOption);
          const users = iam!.records as IamUser[];
          const run = decideAll(users, hr!.records as VoPerson[], hr!.extra as HrExtra | null, options);
          const plan = planHr(users, run.decisions, { rules: options.rules, now: options.now });
          const vo = voOption ?? store.getSnapshot(iam!.snapshotId)?.vo ?? getSetting('vo') ?? null;
          const stored = store.addPlan({
            target: 'iam',
            vo,
            inputs: { iamUsers: iam!.snapshotId, hr: hr!.snapshotId },
            options: {
              kind: 'hr',
              experiment: options.experiment,
              today: options.today,
              now: iso(options.now),
              rules: options.rules,
              suspensionGraceDays: options.grace.suspensionDays,
              removalGraceDays: options.grace.removal === false ? null : options.grace.removalDays,
            },
            summary: plan.summary,
            conflicts: plan.conflicts,
            changes: plan.changes,
            extra: { kind: 'hr', counts: run.counts, warnings: run.warnings },
          });
          return { planId: stored.id, vo, run, plan };
        });
        if (global.json) {
          printJson({
            experiment: options.experiment,
            today: options.today,
            rules: options.rules,
            planId: result.planId,
            summary: result.run.counts,
            accounts: result.run.decisions.map((d) => accountJson(d, options)),
            conflicts: result.plan.conflicts.map(conflictJson),
            warnings: result.run.warnings,
          });
        } else printText(result, options, limit);
        return flags.exitCode && result.plan.changes.length > 0 ? EXIT.differences : EXIT.ok;
      }),
    );
}

function printText({ planId, run, plan }: HrRunResult, options: HrCommandOptions, limit: number): void {
  // Warnings go to stderr so that stdout stays the report a script or `| head` reads.
  for (const w of run.warnings) process.stderr.write(`idsync-tui: warning: ${w}\n`);
  const counts = Object.entries(run.counts).filter(([, n]) => n > 0).map(([s, n]) => `${s} ${n}`).join(', ') || 'no linked accounts';
  printLine(`HR check for ${options.experiment} on ${options.today} (${options.rules} rules): ${run.decisions.length} accounts: ${counts}`);
  const changing = run.decisions.filter((d) => d.endTime || d.restore || d.emailSync || d.givenName || d.familyName || d.status === 'ERROR');
  if (changing.length) {
    printLine('');
    for (const d of limit ? changing.slice(0, limit) : changing) {
      const next = project(d.resultingEndTime, options.today, options.grace);
      const then = next.pendingSuspension ? `; PENDING_SUSPENSION ${next.pendingSuspension}, suspended ${next.suspension}${next.removal ? `, removed ${next.removal}` : ''}` : '';
      printLine(`  ${d.status.padEnd(9)} ${d.userName} (person ${d.personId ?? '?'}): ${d.reason}${then}`);
    }
    if (limit && changing.length > limit) printLine(`  … ${changing.length - limit} more (--limit 0 shows all)`);
  }
  for (const c of plan.conflicts) printLine(`conflict ${c.kind}: ${c.detail}`);
  printLine('');
  printLine(`plan ${planId} (iam): ${counted(plan.summary.insert, 'insert')}, ${counted(plan.summary.update, 'update')}, ${counted(plan.summary.delete, 'delete')}`);
  printLine(`review: idsync-tui show ${planId} · decide: idsync-tui approve ${planId} --all (or skip) · nothing was sent to IAM`);
}

function counted(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
