/**
 * `dnKey` of src/engine/dn.ts, fast for the plain DNs nearly every certificate has.
 *
 * The full parser costs tens of microseconds per DN; comparing 100 000 users needs about 220 000
 * keys. A DN without escapes, quotes, `+`, `;`, control characters, OID types or (in RFC 2253) a `/`
 * in a value is keyed here by splitting; anything else goes to `dnKey`. Both give the same key for
 * every DN (a property test holds them to it).
 */
import { canonicalType, dnKey } from '../dn.js';

const TYPE = /^[A-Za-z][A-Za-z0-9-]*$/;
/** Where the slash parser starts a new RDN: a `/` followed by `TYPE=`. */
const SLASH_BOUNDARY = /\/(?=\s*[A-Za-z][A-Za-z0-9-]*\s*=)/;
/** Anything the plain split would read differently from the parser. */
const NOT_PLAIN = /[\\"+;<>#\u0000-\u001f\u007f]|\/\s*(?:oid\.)?\d/i;

const types = new Map<string, string | null>();
function typeOf(raw: string): string | null {
  let type = types.get(raw);
  if (type === undefined) {
    const trimmed = raw.trim();
    type = TYPE.test(trimmed) ? canonicalType(trimmed) : null;
    types.set(raw, type);
  }
  return type;
}

function plainKey(rdns: readonly string[]): string | null {
  let key = '';
  for (const rdn of rdns) {
    const eq = rdn.indexOf('=');
    if (eq <= 0) return null;
    const type = typeOf(rdn.slice(0, eq));
    if (type === null) return null;
    const raw = rdn.slice(eq + 1).trim();
    key += `/${type}=${type === 'emailAddress' || type === 'DC' ? raw.toLowerCase() : raw}`;
  }
  return key;
}

function plainSlashKey(text: string): string | null {
  const parts = text.slice(1).split(SLASH_BOUNDARY);
  return plainKey(parts);
}

function plainRfc2253Key(text: string): string | null {
  const parts = text.split(',');
  for (const part of parts) if (part.includes('/')) return null;
  return plainKey(parts.reverse());
}

/*
 * Quicker still: a DN already in the key's spelling (usual attribute types, lower-case DC, no blanks
 * around values, no `/`, `=` or characters that need escaping in values) is its own key in slash
 * form, and in RFC 2253 form only needs its RDNs reversed.
 */
const V = String.raw`[^/\\"+;<>#=,\s\u0000-\u001f\u007f]`;
const VALUE = String.raw`${V}(?:[ ,]*${V})*`;
const RFC_VALUE = String.raw`${V}(?: *${V})*`;
const USUAL = '(?:C|O|OU|CN|L|ST|UID)';
const CANONICAL_SLASH = new RegExp(String.raw`^(?:/(?:DC=[a-z0-9-]+|${USUAL}=${VALUE}))+$`);
const CANONICAL_RFC = new RegExp(String.raw`^(?:DC=[a-z0-9-]+|${USUAL}=${RFC_VALUE})(?:,(?:DC=[a-z0-9-]+|${USUAL}=${RFC_VALUE}))*$`);
/** The same with escaped commas inside values (`O=Beispiel\, Forschung`): their slash form is a plain comma. */
const RFC_ESCAPED_VALUE = String.raw`${V}(?:(?: |\\,)*${V})*`;
const CANONICAL_RFC_ESCAPED = new RegExp(
  String.raw`^(?:DC=[a-z0-9-]+|${USUAL}=${RFC_ESCAPED_VALUE})(?:,(?:DC=[a-z0-9-]+|${USUAL}=${RFC_ESCAPED_VALUE}))*$`,
);

/** Whether a slash DN is its own key (then `sameDnAsKey` can compare an RFC 2253 DN with it). */
export function isCanonicalSlashDn(text: string): boolean {
  return CANONICAL_SLASH.test(text);
}

export function fastDnKey(text: string): string {
  if (CANONICAL_SLASH.test(text)) return text;
  if (CANONICAL_RFC.test(text)) return `/${text.split(',').reverse().join('/')}`;
  // U+0000 cannot occur in a text the pattern accepts: it stands in for the escaped commas while splitting.
  if (CANONICAL_RFC_ESCAPED.test(text)) return `/${text.replaceAll('\\,', '\u0000').split(',').reverse().join('/').replaceAll('\u0000', ',')}`;
  const trimmed = text.trim();
  const key = trimmed === '' || NOT_PLAIN.test(trimmed) ? null : trimmed.startsWith('/') ? plainSlashKey(trimmed) : plainRfc2253Key(trimmed);
  return key ?? dnKey(text);
}

const SLASH = 47;
const COMMA = 44;
const BACKSLASH = 92;

/**
 * Whether `fastDnKey(rfc) === key`, for a `key` that `isCanonicalSlashDn` accepts, without building
 * the key of `rfc`: its RDNs are walked from the last, each compared with the next RDN of `key`.
 *
 * Sound because such a key's RDNs are `TYPE=value` with no `/` in the value: an RFC 2253 text
 * without `/` whose RDNs (escaped commas read as commas) equal them one by one is the same DN
 * spelled as the key spells it. Anything else (an escape other than `\,`, a `/`) answers false,
 * and the caller computes the key.
 */
export function sameDnAsKey(rfc: string, key: string): boolean {
  let k = 0;
  let end = rfc.length;
  while (end > 0) {
    // The RDN is rfc[begin, end): back to the previous comma that is not escaped.
    let begin = end;
    while (begin > 0) {
      const c = rfc.charCodeAt(begin - 1);
      if (c === SLASH) return false;
      if (c === COMMA) {
        if (begin > 1 && rfc.charCodeAt(begin - 2) === BACKSLASH) {
          begin -= 2;
          continue;
        }
        break;
      }
      if (c === BACKSLASH) return false;
      begin--;
    }
    if (key.charCodeAt(k++) !== SLASH) return false;
    for (let r = begin; r < end; r++) {
      let c = rfc.charCodeAt(r);
      if (c === BACKSLASH) c = rfc.charCodeAt(++r);
      if (key.charCodeAt(k++) !== c) return false;
    }
    end = begin - 1;
  }
  return k === key.length && end === -1;
}
