/**
 * The numbers of the Overview screen, computed once per data set (linear in the number of users).
 * The load computes them in steps (`overviewSteps`), so the first frame with every record does not.
 */

import { SOURCE_KINDS, type SourceKind } from '../engine/model.js';
import type { AppData } from './data.js';
import { memoizedSteps } from './slices.js';

export interface OverviewStats {
  sources: { kind: SourceKind; records: number | null; createdAt: string | null; origin: string | null; id: number | null }[];
  voms: { users: number; suspended: number; certificates: number; suspendedCertificates: number; fqans: number; severalCertificates: number; withoutHrId: number };
  iam: { accounts: number; inactive: number; groups: number; serviceAccounts: number };
  hrPersons: number;
  diracUsers: number;
  /** VOMS users with no IAM account found (only when there is an IAM snapshot). */
  missingInIam: number | null;
}

const stats = memoizedSteps(statsSteps);

export const overviewStats = (data: AppData): OverviewStats => stats.get(data);

/** Computes the numbers of `data` a slice of users at a time and keeps them for overviewStats. */
export const overviewSteps = (data: AppData): Generator<void, OverviewStats> => stats.steps(data);

/** Users read between two pauses of overviewSteps. */
const PER_STEP = 20_000;

function* statsSteps(data: AppData): Generator<void, OverviewStats> {
  const fqans = new Set<string>();
  let suspended = 0;
  let certificates = 0;
  let suspendedCertificates = 0;
  let severalCertificates = 0;
  let withoutHrId = 0;
  for (let i = 0; i < data.voms.length; i++) {
    const u = data.voms[i];
    if (i % PER_STEP === PER_STEP - 1) yield;
    if (u.suspended) suspended++;
    certificates += u.certificates.length;
    for (const c of u.certificates) if (c.suspended) suspendedCertificates++;
    if (u.certificates.length > 1) severalCertificates++;
    if (u.cernHrId === null) withoutHrId++;
    for (const f of u.fqans) fqans.add(f);
  }
  yield;
  let missingInIam: number | null = null;
  if (data.snapshots['iam-users']) {
    missingInIam = 0;
    for (const p of data.people) if (p.voms && !p.iam) missingInIam++;
  }
  yield;
  return {
    sources: SOURCE_KINDS.map((kind) => {
      const s = data.snapshots[kind];
      return { kind, records: s?.recordCount ?? null, createdAt: s?.createdAt ?? null, origin: s?.origin ?? null, id: s?.id ?? null };
    }),
    voms: { users: data.voms.length, suspended, certificates, suspendedCertificates, fqans: fqans.size, severalCertificates, withoutHrId },
    iam: {
      accounts: data.iamUsers.length,
      inactive: data.iamUsers.filter((u) => !u.active).length,
      groups: data.iamGroups.length,
      serviceAccounts: data.iamUsers.filter((u) => u.serviceAccount).length,
    },
    hrPersons: data.hr.length,
    diracUsers: data.dirac.length,
    missingInIam,
  };
}
