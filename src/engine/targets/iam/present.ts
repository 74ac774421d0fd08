/**
 * Raw engine changes → the IAM changes of CONTRACT.md (`plan iam` JSON): change kinds `group`,
 * `user`, `membership`, `certificate`, `label`, `attribute`, `oidcId`, `active`, `endTime`,
 * `email`, `name`; labels by `prefix/name`; DNs in slash form; instants as ISO 8601; and a reason
 * in the admin's words for every change.
 */
import type { ChangeOp, PlannedChange } from '../../model.js';
import type { ChangeContext, Scalar } from '../../compare/index.js';
import { parentGroups } from '../../rules/roles.js';
import { accountInfo, who, type AccountInfo, type CertificateLookup } from './accounts.js';
import { parseField, parseOidcKey, splitLabelKey, vomsIdLabel } from './keys.js';

export interface PresentContext {
  vo: string;
  groupReasons: ReadonlyMap<string, string>;
  groupFqans: ReadonlyMap<string, string>;
  certificates: CertificateLookup;
  /** IAM account id → VOMS id, for memberships of current accounts. */
  owners: (iamId: string) => number | undefined;
}

const INSTANT_FIELDS = new Set(['endTime', 'aupSignatureTime']);
const iso = (v: unknown): unknown => (typeof v === 'number' ? new Date(v).toISOString() : v);
const labelValue = (v: unknown): unknown => (v === '' ? null : v);

// Loops over the keys: every new account prints its labels and attributes, and Object.entries
// made a pair per field of each.
function labelsOf(fields: Record<string, Scalar>) {
  const out: Array<{ prefix: string | null; name: string; value: Scalar }> = [];
  for (const f in fields) {
    const parsed = parseField(f);
    if (parsed.type !== 'label') continue;
    // A literal, not a spread of splitLabelKey's result: V8 copies a spread object slowly.
    const { prefix, name } = splitLabelKey(parsed.name);
    out.push({ prefix, name, value: fields[f] === '' ? null : fields[f] });
  }
  return out;
}

function attributesOf(fields: Record<string, Scalar>) {
  const out: Array<{ name: string; value: Scalar }> = [];
  for (const f in fields) {
    const parsed = parseField(f);
    if (parsed.type === 'attribute') out.push({ name: parsed.name, value: fields[f] });
  }
  return out;
}

/**
 * A certificate as the contract prints it. The plan keeps the VOMS certificate itself (no copy per
 * certificate of 100 000 people): only its subject and issuer are shown.
 */
function certificateOf(certificates: CertificateLookup, key: string): { subject: string; issuer: string | null } {
  const cert = certificates(key);
  return cert ? { subject: cert.subject, issuer: cert.issuer } : { subject: key, issuer: null };
}

function accountSpec(value: { fields: Record<string, Scalar>; multi: Record<string, string[]> }, certificates: CertificateLookup) {
  const f = value.fields;
  return {
    userName: f.userName ?? null,
    givenName: f.givenName ?? null,
    familyName: f.familyName ?? null,
    email: f.email ?? null,
    active: f.active ?? true,
    endTime: iso(f.endTime ?? null),
    aupSignatureTime: iso(f.aupSignatureTime ?? null),
    labels: labelsOf(f),
    attributes: attributesOf(f),
    certificates: (value.multi.certificates ?? []).map((k) => certificateOf(certificates, k)),
    oidcIds: (value.multi.oidcIds ?? []).map(parseOidcKey),
  };
}

/** Every change of an account names its VOMS user: the name is made once per account. */
function name(info: AccountInfo | undefined): string {
  if (!info) return 'this account';
  return (info.who ??= who(info.voms));
}

function accountReason(change: PlannedChange, ctx: ChangeContext, p: PresentContext, idLabel: string): string {
  // Users are never deleted: every change on one has the desired account, which carries the info.
  const info = accountInfo(ctx.desired);
  const who = name(info);
  if (change.field === null) {
    const note = info?.note ? `; ${info.note}` : '';
    return `${who} has no IAM account: none carries voms.${p.vo}.id=${info?.voms.id}${info?.email ? ` and none has the email ${info.email}` : ''}${note}`;
  }
  const field = parseField(change.field);
  const hr = info?.hasCernPersonId ? ' (the account has a CERN person id: for CERN VOs the HR sync usually owns this field)' : '';
  if (field.type === 'label') {
    if (field.name === idLabel) {
      return info?.matchedBy === 'email'
        ? `account found by the email ${info.email}; the label lets the next run match ${who} by label`
        : `${who} owns this account`;
    }
    if (field.name.endsWith('/cern_person_id')) return `${who} has CERN HR id ${info?.voms.cernHrId}`;
    if (field.name.endsWith('/skip-email-synch')) return `the --email-map file overrides the email of ${who}, so HR must not sync it back`;
    return `${who} carries this label`;
  }
  if (field.type === 'attribute') return `${who} has the generic attribute ${field.name}`;
  switch (field.name) {
    case 'givenName':
    case 'familyName':
    case 'email':
      return `${who} has ${field.name === 'email' ? 'the email' : field.name === 'givenName' ? 'the given name' : 'the family name'} ${String(change.new)}${info?.overridden && field.name === 'email' ? ' (from the --email-map file)' : ''}${hr}`;
    case 'active':
      return change.new === false
        ? `${who} is suspended in VOMS${info?.voms.suspensionReason ? ` (${info.voms.suspensionReason})` : ''} and --sync-activation is on`
        : `${who} is active in VOMS and --sync-activation is on`;
    case 'endTime':
      return `${who} ends ${change.new === null ? 'never' : `on ${String(iso(change.new))}`} in VOMS and --sync-activation is on`;
    case 'aupSignatureTime':
      return `${who} accepted the AUP on ${String(iso(change.new))}`;
    case 'certificates': {
      const cert = p.certificates(String(change.new ?? change.old));
      return `${who} holds the certificate ${cert?.subject ?? ''} in VOMS`;
    }
    case 'oidcIds':
      return `${who} has the CERN account ${parseOidcKey(String(change.new)).subject}: link CERN SSO`;
    default:
      return `${who}: ${field.name} differs`;
  }
}

/** The reason hook of the generic compare. */
export function iamReason(p: PresentContext) {
  const idLabel = vomsIdLabel(p.vo);
  return (change: PlannedChange, ctx: ChangeContext): string | undefined => {
    const obj = (ctx.desired ?? ctx.current)!;
    const group = obj.ref?.group == null ? null : String(obj.ref.group);
    if (obj.kind === 'group' && group) {
      const why = p.groupReasons.get(group) ?? `group ${group}`;
      return change.field === null ? `${why}: not in IAM yet` : `${why}: role groups carry the voms.role and wlcg.optional-group labels`;
    }
    if (obj.kind === 'membership' && group) {
      const vomsId = obj.ref?.vomsId ?? (obj.ref?.iamId ? p.owners(String(obj.ref.iamId)) : null);
      return change.op === 'delete'
        ? `VOMS user ${vomsId} no longer holds ${p.groupFqans.get(group) ?? `/${group}`}, and ${group} comes from VOMS (keep it with --no-group-removal)`
        : `VOMS user ${vomsId} holds ${p.groupFqans.get(group) ?? `/${group}`}`;
    }
    if (obj.kind === 'user') return accountReason(change, ctx, p, idLabel);
    return undefined;
  };
}

/**
 * The change in the contract's shape, written out as a literal in the key order of the engine's
 * own change: in Node 20 spreading a change and overriding keys costs microseconds, times tens of
 * thousands of changes.
 */
function shaped(change: PlannedChange, ref: PlannedChange['ref'], kind: string, op: ChangeOp, field: string | null, old: unknown, value: unknown): PlannedChange {
  return { kind, objectId: change.objectId, ref, phase: change.phase, reason: change.reason, op, field, old, new: value };
}

/** The four ids every IAM change carries, then whatever else the objects' refs hold. */
function fullRef(ref: PlannedChange['ref']): PlannedChange['ref'] {
  const out: PlannedChange['ref'] = { vomsId: null, iamId: null, userName: null, group: null };
  for (const k in ref) out[k] = ref[k];
  return out;
}

/** The present hook of the generic compare: the contract's kinds, fields and values. */
export function iamPresent(p: PresentContext) {
  return (change: PlannedChange, ctx: ChangeContext): PlannedChange => {
    const obj = (ctx.desired ?? ctx.current)!;
    const ref = fullRef(change.ref);
    const { op, field: rawField, old, new: value } = change;
    if (obj.kind === 'membership') {
      if (ref.vomsId === null && ref.iamId !== null) ref.vomsId = p.owners(String(ref.iamId)) ?? null;
      return shaped(change, ref, 'membership', op, rawField, op === 'delete' ? ref.group : null, op === 'insert' ? ref.group : null);
    }
    if (obj.kind === 'group') {
      if (rawField === null) {
        const group = String(ref.group);
        const parent = parentGroups(group).pop() ?? null;
        return shaped(change, ref, 'group', op, rawField, old, { name: group, parent, labels: labelsOf((value as { fields: Record<string, Scalar> }).fields) });
      }
      return labelChange(change, ref);
    }
    if (rawField === null) return shaped(change, ref, 'user', op, rawField, old, accountSpec(value as never, p.certificates));
    const field = parseField(rawField);
    if (field.type === 'label') return labelChange(change, ref);
    if (field.type === 'attribute') return shaped(change, ref, 'attribute', old === null ? 'insert' : 'update', field.name, old, value);
    switch (field.name) {
      case 'certificates': {
        const cert = (k: unknown) => (k === null ? null : certificateOf(p.certificates, String(k)));
        return shaped(change, ref, 'certificate', op, null, cert(old), cert(value));
      }
      case 'oidcIds':
        return shaped(change, ref, 'oidcId', op, null, old === null ? null : parseOidcKey(String(old)), value === null ? null : parseOidcKey(String(value)));
      case 'givenName':
      case 'familyName':
        return shaped(change, ref, 'name', op, rawField, old, value);
      case 'email':
      case 'active':
      case 'endTime':
        return shaped(change, ref, field.name, op, rawField, iso(old), iso(value));
      default:
        return shaped(change, ref, 'user', op, rawField, INSTANT_FIELDS.has(field.name) ? iso(old) : old, INSTANT_FIELDS.has(field.name) ? iso(value) : value);
    }
  };
}

function labelChange(change: PlannedChange, ref: PlannedChange['ref']): PlannedChange {
  const key = parseField(change.field!).name;
  return shaped(change, ref, 'label', change.old === null ? 'insert' : 'update', key, labelValue(change.old), labelValue(change.new));
}
