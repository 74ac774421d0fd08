/**
 * DIRAC CFG files (the Configuration Service syntax): nested `name { … }` sections, `key = value`
 * options, `key += value` appends, whole-line `#` comments.
 *
 * The document is a concrete syntax tree: every line keeps its raw text, so writing back an
 * unchanged document gives the same bytes, and an edit rewrites only the lines it is about
 * (comments, blank lines and the order of everything else stay). Removed items are marked, not
 * spliced out, so that editing 100 000 users stays linear.
 */
import { InputError } from '../errors.js';

export interface RawLine {
  type: 'raw';
  /** A blank line or a comment, with its line ending. */
  text: string;
  removed?: boolean;
}

export interface OptionLine {
  type: 'option';
  key: string;
  /** `+=`: the value is appended to the option with `, `. */
  append: boolean;
  value: string;
  /** Everything before the value (`      DN = `), kept when the value is rewritten. */
  head: string;
  /** Whitespace after the value and the line ending. */
  tail: string;
  line: number;
  removed?: boolean;
}

export interface CfgSection {
  type: 'section';
  name: string;
  /** The raw lines from the name to the opening brace; empty for the document root. */
  header: string;
  /** The raw closing-brace line; empty for the document root. */
  footer: string;
  items: CfgItem[];
  /** Leading whitespace of the name line. */
  indent: string;
  line: number;
  removed?: boolean;
  /** Position in the parent's `items` (items are only ever appended, so it stays right). */
  at: number;
  /** Lookup tables, kept in step with `items`; null until the first entry (100 000 user sections have no subsections). */
  sections: Map<string, CfgSection> | null;
  options: Map<string, OptionLine[]> | null;
}

export type CfgItem = RawLine | OptionLine | CfgSection;

export interface CfgDocument {
  root: CfgSection;
  /** The line ending new lines get: the file's first one. */
  eol: string;
  /** One indentation step, as the file uses it. */
  step: string;
  file: string;
}

function newSection(name: string, header: string, indent: string, line: number): CfgSection {
  return { type: 'section', name, header, footer: '', items: [], indent, line, at: -1, sections: null, options: null };
}

function addOptionLine(section: CfgSection, option: OptionLine): void {
  section.items.push(option);
  const options = (section.options ??= new Map());
  const list = options.get(option.key);
  if (list) list.push(option);
  else options.set(option.key, [option]);
}

function addChild(parent: CfgSection, section: CfgSection): void {
  section.at = parent.items.push(section) - 1;
  (parent.sections ??= new Map()).set(section.name, section);
}

interface PendingName {
  name: string;
  line: number;
  /** Where the name's line starts: the header runs from there to the end of the `{` line. */
  start: number;
  indent: string;
}

/** What String.prototype.trim removes (line ends included), so that index ranges trim as strings do. */
function isSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 0xa0) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

function leadingSpace(s: string): string {
  return /^[ \t]*/.exec(s)![0];
}

/** A name from the file in a message: escaped (a control character would break the line) and clipped. */
function quote(name: string): string {
  return JSON.stringify(name.length > 60 ? `${name.slice(0, 57)}…` : name);
}

/** The key, `+=` and head of an option line, shared by every line that starts the same way (`      DN = `). */
interface OptionHead {
  key: string;
  append: boolean;
  head: string;
}

/**
 * Reads the text by index, line by line, without an array of lines or a trimmed copy of each: a
 * 100 000-user Registry is half a million lines. Ranges are trimmed as `trim()` would.
 */
export function parseCfg(text: string, file: string): CfgDocument {
  const root = newSection('', '', '', 0);
  const stack: CfgSection[] = [root];
  let current = root;
  let pending: PendingName | null = null;
  const eol = /\r?\n/.exec(text)?.[0] ?? '\n';
  let step: string | null = null;
  // The same few heads, tails and closing lines repeat on every user: one string each.
  const heads = new Map<string, OptionHead>();
  const shared = new Map<string, string>();
  const intern = (s: string): string => {
    const found = shared.get(s);
    if (found !== undefined) return found;
    shared.set(s, s);
    return s;
  };
  const fail = (line: number, problem: string): never => {
    throw new InputError(file, `line ${line}`, problem);
  };
  const open = (name: string, header: string, indent: string, line: number) => {
    const parent = current;
    const first = parent.sections?.get(name);
    if (first) fail(line, `section ${quote(name)} is defined twice in the same section (first at line ${first.line})`);
    if (step === null && stack.length > 1 && indent.length > parent.indent.length) step = indent.slice(parent.indent.length);
    const section = newSection(name, header, indent, line);
    addChild(parent, section);
    stack.push(section);
    current = section;
  };

  let lineNo = 0;
  for (let start = 0; start < text.length; ) {
    lineNo++;
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl + 1;
    const bodyEnd = nl < 0 ? end : nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
    let first = start;
    while (first < bodyEnd && isSpace(text.charCodeAt(first))) first++;
    let last = bodyEnd;
    while (last > first && isSpace(text.charCodeAt(last - 1))) last--;
    const lineStart = start;
    start = end;
    const blankOrComment = first === last || text.charCodeAt(first) === 35; // '#'
    if (pending) {
      if (blankOrComment) continue;
      if (last - first !== 1 || text.charCodeAt(first) !== 123) fail(pending.line, `section name ${quote(pending.name)} is not followed by "{"`);
      open(pending.name, text.slice(pending.start, end), pending.indent, pending.line);
      pending = null;
      continue;
    }
    if (blankOrComment) {
      current.items.push({ type: 'raw', text: text.slice(lineStart, end) });
      continue;
    }
    let eq = text.indexOf('=', first);
    if (eq >= last) eq = -1;
    // The first brace, looked for only before the `=` of an option line.
    let brace = -1;
    for (let i = first, stop = eq < 0 ? last : eq; i < stop; i++) {
      const c = text.charCodeAt(i);
      if (c === 123 || c === 125) {
        brace = i;
        break;
      }
    }
    if (eq >= 0 && brace < 0) {
      let valueStart = eq + 1;
      while (valueStart < bodyEnd && isSpace(text.charCodeAt(valueStart))) valueStart++;
      const valueEnd = Math.max(valueStart, last);
      const headText = text.slice(lineStart, valueStart);
      let head = heads.get(headText);
      if (!head) {
        const append = eq > lineStart && text.charCodeAt(eq - 1) === 43; // '+'
        heads.set(headText, (head = { key: text.slice(first, append ? eq - 1 : eq).trim(), append, head: headText }));
      }
      if (!head.key) fail(lineNo, 'an option without a name');
      if (stack.length === 1) fail(lineNo, `option ${quote(head.key)} outside any section`);
      if (step === null && stack.length > 1) {
        const indent = leadingSpace(head.head);
        if (indent.length > current.indent.length) step = indent.slice(current.indent.length);
      }
      const tail = valueEnd === bodyEnd && end - bodyEnd === 1 ? '\n' : intern(text.slice(valueEnd, end));
      addOptionLine(current, { type: 'option', key: head.key, append: head.append, value: text.slice(valueStart, valueEnd), head: head.head, tail, line: lineNo });
      continue;
    }
    const lastChar = text.charCodeAt(last - 1);
    if (last - first === 1 && lastChar === 125) {
      if (stack.length === 1) fail(lineNo, '"}" without a matching "{"');
      current.footer = intern(text.slice(lineStart, end));
      stack.pop();
      current = stack[stack.length - 1];
      continue;
    }
    const body = text.slice(lineStart, bodyEnd);
    if (lastChar === 123) {
      const name = text.slice(first, last - 1).trim();
      if (!name) fail(lineNo, '"{" without a section name');
      if (/[{}]/.test(name)) fail(lineNo, `unexpected "${name.includes('{') ? '{' : '}'}"`);
      open(name, text.slice(lineStart, end), leadingSpace(body), lineNo);
      continue;
    }
    if (brace >= 0) fail(lineNo, `unexpected text around "${text[brace]}": expected "name {", "}" or "key = value" on a line of its own`);
    pending = { name: text.slice(first, last), line: lineNo, start: lineStart, indent: leadingSpace(body) };
  }
  if (pending) fail((pending as PendingName).line, `section name ${quote((pending as PendingName).name)} is not followed by "{"`);
  if (stack.length > 1) {
    const open = stack[stack.length - 1];
    fail(open.line, `section ${quote(open.name)} is never closed (missing "}")`);
  }
  return { root, eol, step: step ?? '  ', file };
}

function writeSection(section: CfgSection, out: string[]): void {
  out.push(section.header);
  for (const item of section.items) {
    if (item.removed) continue;
    if (item.type === 'raw') out.push(item.text);
    else if (item.type === 'option') out.push(item.head, item.value, item.tail);
    else writeSection(item, out);
  }
  out.push(section.footer);
}

export function serializeCfg(doc: CfgDocument): string {
  const out: string[] = [];
  writeSection(doc.root, out);
  return out.join('');
}

// ---------------------------------------------------------------- reading

/** The section at a path (`['Registry', 'Users']`), or null. */
export function getSection(doc: CfgDocument | CfgSection, path: readonly string[]): CfgSection | null {
  let section: CfgSection | undefined = 'root' in doc ? doc.root : doc;
  for (const name of path) {
    section = section.sections?.get(name);
    if (!section || section.removed) return null;
  }
  return section;
}

export function childSections(section: CfgSection): CfgSection[] {
  return section.items.filter((i): i is CfgSection => i.type === 'section' && !i.removed);
}

/** An option's value with its `+=` appends folded in, or null when the option is absent. */
export function getOption(section: CfgSection, key: string): string | null {
  const all = section.options?.get(key);
  // The usual case, one line: no filtered copy (the registry reads 100 000 users × 5 options).
  if (all?.length === 1) return all[0].removed ? null : all[0].value;
  const lines = all?.filter((l) => !l.removed);
  if (!lines?.length) return null;
  let value: string | null = null;
  for (const line of lines) {
    if (line.append && value !== null) value = value ? `${value}, ${line.value}` : line.value;
    else value = line.value;
  }
  return value;
}

/** A comma-separated list, DIRAC's `fromChar`: items trimmed, empty ones dropped. */
export function splitList(value: string | null): string[] {
  if (!value) return [];
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

/**
 * A list of slash-form DNs. DIRAC splits at every comma and so cuts `/O=Beispiel, Forschung/CN=…`
 * in two; a DN starts with `/`, so a piece that does not is glued back onto the one before it.
 */
export function splitDnList(value: string | null): string[] {
  // Most users have one DN: no split, no pieces.
  if (value === null) return [];
  if (!value.includes(',')) {
    const dn = value.trim();
    return dn ? [dn] : [];
  }
  const out: string[] = [];
  for (const piece of (value ?? '').split(',')) {
    const trimmed = piece.trim();
    if (out.length && !piece.trimStart().startsWith('/') && trimmed) out[out.length - 1] = `${out[out.length - 1]},${piece.replace(/\s+$/, '')}`;
    else if (trimmed) out.push(trimmed);
  }
  return out;
}

export function parseBoolean(value: string | null, fallback: boolean): boolean {
  if (value === null || value.trim() === '') return fallback;
  const v = value.trim().toLowerCase();
  if (['false', 'no', 'n', '0', 'f', 'off'].includes(v)) return false;
  if (['true', 'yes', 'y', '1', 't', 'on'].includes(v)) return true;
  return fallback;
}

// ---------------------------------------------------------------- editing

function childIndent(doc: CfgDocument, section: CfgSection): string {
  for (const item of section.items) {
    if (item.removed) continue;
    if (item.type === 'option') return leadingSpace(item.head);
    if (item.type === 'section') return item.indent;
  }
  return section === doc.root ? '' : section.indent + doc.step;
}

/** Sets an option: rewrites its first line in place (later lines and appends go), or adds it at the end. */
export function setOption(doc: CfgDocument, section: CfgSection, key: string, value: string): void {
  const lines = section.options?.get(key)?.filter((l) => !l.removed) ?? [];
  if (lines.length) {
    const [first, ...rest] = lines;
    if (first.append) first.head = first.head.replace(/\+=(\s*)$/, '=$1');
    first.append = false;
    if (!first.value && !/\s$/.test(first.head)) first.head += ' ';
    first.value = value;
    for (const line of rest) line.removed = true;
    return;
  }
  addOptionLine(section, { type: 'option', key, append: false, value, head: `${childIndent(doc, section)}${key} = `, tail: doc.eol, line: 0 });
}

export function removeOption(section: CfgSection, key: string): void {
  for (const line of section.options?.get(key) ?? []) line.removed = true;
}

/** Adds an empty section at the end of `parent`, in the brace style the parent itself uses. */
export function addSection(doc: CfgDocument, parent: CfgSection, name: string): CfgSection {
  const existing = getSection(parent, [name]);
  if (existing) return existing;
  const indent = childIndent(doc, parent);
  const sameLine = parent !== doc.root && /\S[ \t]*\{\s*$/.test(parent.header.trimEnd().split('\n').pop() ?? '');
  const header = sameLine ? `${indent}${name} {${doc.eol}` : `${indent}${name}${doc.eol}${indent}{${doc.eol}`;
  const section = newSection(name, header, indent, 0);
  section.footer = `${indent}}${doc.eol}`;
  addChild(parent, section);
  return section;
}

/** Removes a section and the comment lines directly above it (they describe it). */
export function removeSection(parent: CfgSection, name: string): boolean {
  const section = parent.sections?.get(name);
  if (!section || section.removed) return false;
  section.removed = true;
  parent.sections!.delete(name);
  for (let i = section.at - 1; i >= 0; i--) {
    const item = parent.items[i];
    if (item.removed) continue;
    if (item.type !== 'raw' || !item.text.trim().startsWith('#')) break;
    item.removed = true;
  }
  return true;
}
