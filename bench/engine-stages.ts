/**
 * The engine stages of the bench: compare, plan iam, plan dirac and the HR decision, each timed on
 * parsed records (so the figures include no JSON work). The bench runs each in a child of its own
 * that parses only that stage's sources (engine-child.ts). A stage whose module is not in the tree
 * yet is `not built`; one that throws is `failed` with its message.
 */
import type { IamGroup, IamUser, VomsUser, VoPerson } from '../src/engine/model.js';
import { fmtTimed, optional, time, type StageResult } from './measure.js';

export interface ParsedInputs {
  vo: string;
  experiment: string;
  /** The generator's "today": HR decides as of it, so results do not depend on the day of the run. */
  today: string;
  voms?: VomsUser[];
  iamUsers?: IamUser[];
  iamGroups?: IamGroup[];
  hr?: { records: VoPerson[]; extra?: unknown };
  diracText?: string;
  diracFile?: string;
}

/** The sources each stage reads: bench/engine-child.ts parses only these. */
export const ENGINE_STAGE_INPUTS: Record<string, readonly ('voms' | 'iam' | 'hr' | 'dirac')[]> = {
  'compare VOMS ↔ IAM': ['voms', 'iam'],
  'plan iam': ['voms', 'iam'],
  'plan dirac': ['voms', 'dirac'],
  'hr (decision + plan, offline)': ['iam', 'hr'],
};

interface Stage {
  stage: string;
  target: string;
  limitMs: number;
  /** The modules the stage needs; null when one is missing. */
  load: () => Promise<(() => unknown) | null>;
  /** What the result holds, for the table (changes, differences). */
  describe?: (result: any) => string;
}

/** `only`: run just the stage of that name (engine-only.ts, for profiling one stage). */
export async function engineStages(runs: number, input: ParsedInputs, only: string | null = null): Promise<StageResult[]> {
  const { vo, voms, iamUsers, iamGroups } = input;
  const stages: Stage[] = [
    {
      stage: 'compare VOMS ↔ IAM',
      target: '≤ 0.5 s',
      limitMs: 500,
      load: async () => {
        const mod = await optional<typeof import('../src/engine/comparison/index.js')>('../src/engine/comparison/index.js');
        if (!mod || !voms || !iamUsers) return null;
        return () => {
          const result = mod.compareVomsIam({ vo, voms, iamUsers, iamGroups: iamGroups ?? [] });
          // The per-person report is built when first read; `compare --json` and the Compare
          // screen read it, so the stage includes it.
          void result.people.length;
          return result;
        };
      },
    },
    {
      stage: 'plan iam',
      target: '≤ 1.5 s',
      limitMs: 1500,
      load: async () => {
        const mod = await optional<typeof import('../src/engine/targets/iam.js')>('../src/engine/targets/iam.js');
        if (!mod || !voms || !iamUsers) return null;
        return () => mod.planIam({ vo, voms, iamUsers, iamGroups: iamGroups ?? [], options: { maxDeletePercent: null } });
      },
      describe: (r) => `${r.changes.length} changes`,
    },
    {
      stage: 'plan dirac',
      target: '≤ 1 s',
      limitMs: 1000,
      load: async () => {
        const [cfg, registry, people, planner] = await Promise.all([
          optional<typeof import('../src/engine/dirac/cfg.js')>('../src/engine/dirac/cfg.js'),
          optional<typeof import('../src/engine/dirac/registry.js')>('../src/engine/dirac/registry.js'),
          optional<typeof import('../src/engine/dirac/people.js')>('../src/engine/dirac/people.js'),
          optional<typeof import('../src/engine/dirac/planner.js')>('../src/engine/dirac/planner.js'),
        ]);
        if (!cfg || !registry || !people || !planner || !voms || input.diracText === undefined) return null;
        const { diracText, diracFile = 'dirac.cfg' } = input;
        // As `plan-dirac` runs it: the CFG text is parsed again for the plan (patching needs the document).
        return () => planner.planDirac(registry.readRegistry(cfg.parseCfg(diracText, diracFile)), people.peopleFromVoms(voms), {
          ...planner.DEFAULT_DIRAC_OPTIONS, vo, maxDeletePercent: null,
        });
      },
      describe: (r) => `${r.changes.length} changes`,
    },
    {
      stage: 'hr (decision + plan, offline)',
      target: '≤ 0.5 s',
      limitMs: 500,
      load: async () => {
        const [decision, plan] = await Promise.all([
          optional<typeof import('../src/engine/hr/decision.js')>('../src/engine/hr/decision.js'),
          optional<typeof import('../src/engine/hr/plan.js')>('../src/engine/hr/plan.js'),
        ]);
        if (!decision || !plan || !iamUsers || !input.hr) return null;
        const now = Date.parse(`${input.today}T12:00:00Z`);
        const hr = input.hr;
        return () => {
          const run = decision.decideAll(iamUsers, hr.records, hr.extra as never, { experiment: input.experiment, today: input.today, now, rules: 'documented' });
          return plan.planHr(iamUsers, run.decisions, { rules: 'documented', now });
        };
      },
      describe: (r) => `${r.changes.length} changes`,
    },
  ];

  const results: StageResult[] = [];
  for (const s of stages) {
    if (only !== null && s.stage !== only) continue;
    const fn = await s.load();
    if (!fn) {
      results.push({ stage: s.stage, medianMs: null, runs: 0, display: 'not built', target: s.target });
      continue;
    }
    try {
      const r = await time(runs, fn);
      const note = s.describe ? `, ${s.describe(r.last)}` : '';
      results.push({ stage: s.stage, medianMs: r.ms, cpuMs: r.cpu, runs, display: `${fmtTimed(r)}${note}`, target: s.target, value: r.ms, ok: r.ms <= s.limitMs });
    } catch (err) {
      results.push({ stage: s.stage, medianMs: null, runs: 0, display: `failed: ${String((err as Error).message ?? err).slice(0, 60)}`, target: s.target });
    }
  }
  return results;
}
