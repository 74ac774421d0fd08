/**
 * DIRAC user names for new Registry users, by the rules of DIRAC's `getUserName`: from the VOMS
 * name and surname, else the DN's last CN, else the email. Unlike DIRAC, every name is lower-cased
 * and reduced to letters, digits, `-` and `_` (DIRAC keeps `O'Neill`'s apostrophe and the case of a
 * long name), a robot DN without a name does not crash, and uniqueness covers the users added in
 * the same run.
 */

const MAX_LENGTH = 11;

/** Lower case, accents dropped, only `[a-z0-9._-]` kept. */
function clean(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9._-]/g, '');
}

/** `atlas` stays `atlas`; `vo.example.org` becomes `example` (DIRAC's short VO name). */
export function shortVoName(vo: string): string {
  if (!vo.includes('.')) return vo;
  let parts = vo.split('.');
  if (parts[0] === 'vo') parts = parts.slice(1);
  const last = parts[parts.length - 1];
  if (last.length === 2 || last === 'org') parts = parts.slice(0, 1);
  return parts.join('.');
}

/** `j.smith` → `jsmith`, `jean-luc` → `jluc`: first letter of the first part and the last part. */
function initialAndLast(word: string, separator: string): string {
  const parts = word.split(separator).filter(Boolean);
  if (parts.length < 2) return word;
  return parts[0][0] + parts[parts.length - 1];
}

/** Initials of the given names and the last word of the surname: `Ada Maria`, `de Vries` → `amvries`. */
export function nameFromSurname(name: string | null, surname: string | null): string | null {
  const given = (name ?? '').split(/\s+/).map(clean).filter(Boolean);
  const family = (surname ?? '').split(/\s+/).map(clean).filter(Boolean);
  if (!given.length || !family.length) return null;
  const result = given.map((g) => g[0]).join('') + family[family.length - 1].replace(/\./g, '');
  return result.slice(0, MAX_LENGTH) || null;
}

/** The value of the last `CN=` of a slash-form DN, or null. */
function lastCn(dn: string): string | null {
  const parts = dn.includes('/') || dn.includes('CN=') ? dn.split('/') : [`CN=${dn}`];
  for (let i = parts.length - 1; i >= 0; i--) {
    const part = parts[i];
    if (!part) continue;
    const eq = part.indexOf('=');
    const key = eq < 0 ? 'CN' : part.slice(0, eq);
    if (key.toUpperCase() === 'CN') return eq < 0 ? part : part.slice(eq + 1);
  }
  return null;
}

/** From the DN's last CN: `CN=Ada Lindqvist` → `alindqvist`; robots → `robot-<word>-<shortvo>`. */
export function nameFromDn(dn: string, vo: string): string | null {
  let cn = lastCn(dn);
  if (cn === null) return null;
  const paren = cn.indexOf('(');
  if (paren >= 0) cn = cn.slice(0, paren);
  let words = cn.split(/\s+/).filter(Boolean);
  if (!words.length) return null;
  const robot = words[0].toLowerCase().startsWith('robot');
  if (robot) words = words.slice(1);
  words = words.filter((w) => !/^\d/.test(w) && !w.includes('@'));
  if (robot) {
    const word = words.length ? clean(words[words.length - 1]) : '';
    return word ? `robot-${word}-${shortVoName(vo)}` : `robot-${shortVoName(vo)}`;
  }
  if (!words.length) return null;
  let name: string;
  if (words.length === 1) name = initialAndLast(initialAndLast(words[0].toLowerCase(), '.'), '-');
  else name = initialAndLast(`${words[0][0]}${words[words.length - 1]}`.toLowerCase(), '.');
  return clean(name) || null;
}

/** From the mail's local part: `ada.lindqvist@…` → `alindqvist`. */
export function nameFromMail(mail: string): string {
  const local = mail.split('@')[0].toLowerCase();
  return clean(local.includes('.') ? initialAndLast(local, '.') : local);
}

export interface NameSource {
  dn: string;
  name: string | null;
  surname: string | null;
  mail: string | null;
}

/** The name DIRAC's `getUserName` would choose (before making it unique). */
export function proposeUserName(source: NameSource, vo: string): string {
  const fromSurname = nameFromSurname(source.name, source.surname);
  if (fromSurname) return fromSurname;
  const dnName = nameFromDn(source.dn, vo);
  if (dnName?.startsWith('robot-')) return dnName;
  const mailName = source.mail ? nameFromMail(source.mail) : null;
  const alpha = (s: string) => /^[a-z]+$/.test(s);
  if (mailName && mailName.length > 5 && alpha(mailName)) return mailName.slice(0, MAX_LENGTH);
  const short = dnName?.slice(0, MAX_LENGTH) ?? null;
  if (mailName && alpha(mailName) && (short === null || short.length < mailName.length)) return mailName.slice(0, MAX_LENGTH);
  return short || mailName || 'user';
}

/**
 * Hands out unique names: `name`, then `name_1`, `name_2` … against every existing user and every
 * name handed out before. A counter per base keeps a thousand `jsmith`s linear.
 */
export class UniqueNames {
  /** Names handed out here; the existing ones are asked of `existing` (no copy of 100 000 names). */
  private readonly taken = new Set<string>();
  private readonly next = new Map<string, number>();
  constructor(private readonly existing: (name: string) => boolean) {}
  has(name: string): boolean {
    return this.taken.has(name) || this.existing(name);
  }
  claim(base: string): string {
    let name = base;
    let n = this.next.get(base) ?? 1;
    while (this.has(name)) name = `${base}_${n++}`;
    this.next.set(base, n);
    this.taken.add(name);
    return name;
  }
}

/** A nickname that can be a Registry section name as it is. */
export function isUsableName(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._@-]*$/.test(name) && name.length <= 64;
}
