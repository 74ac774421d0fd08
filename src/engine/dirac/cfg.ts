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

/** Where a section that holds only options and comments keeps them until something asks for its lines. */
interface LazyBody {
  text: string;
  file: string;
  /** The body: from the line after the `{` to the start of the `}` line. */
  start: number;
  end: number;
  /** The number of the body's first line. */
  line: number;
}

/**
 * A section whose body is only sections of options and comments (a Registry's `Users`, `Groups`),
 * with comments and blank lines between them: kept as a range of the text, with each child's name
 * and the range of its options, until its items are asked for. Reading a 100 000-user Registry then
 * makes no object per user section at all (each would live as long as the document).
 */
interface CompactBody {
  text: string;
  file: string;
  /** The body: from the line after the `{` to the start of the `}` line. */
  start: number;
  end: number;
  /** The number of the `{` line. */
  lineBefore: number;
  /** The children's names in order, and where each is in that order. */
  names: string[];
  positions: Map<string, number>;
  /** Per child, where its options start and where its `}` line starts. */
  ranges: number[];
}

/**
 * A section. One that holds only options and comments (a Registry user, a group) is kept as a
 * range of the source text until its lines are asked for: reading an option scans the range, and
 * writing it back copies the range. A 100 000-user Registry is then 100 000 small objects instead
 * of a million, and only the sections an edit touches are ever split into lines. A section of such
 * sections is kept as a range too (CompactBody).
 */
class Section implements CfgSection {
  readonly type = 'section' as const;
  footer = '';
  removed?: boolean;
  at = -1;
  lazy: LazyBody | null = null;
  compact: CompactBody | null = null;
  private itemList: CfgItem[] | null = null;
  private sectionMap: Map<string, CfgSection> | null = null;
  private optionMap: Map<string, OptionLine[]> | null = null;

  constructor(
    readonly name: string,
    public header: string,
    readonly indent: string,
    readonly line: number,
  ) {}

  get items(): CfgItem[] {
    if (this.lazy || this.compact) this.materialize();
    return (this.itemList ??= []);
  }

  set items(items: CfgItem[]) {
    this.itemList = items;
  }

  get sections(): Map<string, CfgSection> | null {
    // A lazy body has no subsections by construction: nothing to split.
    if (this.compact) this.materialize();
    return this.sectionMap;
  }

  set sections(map: Map<string, CfgSection> | null) {
    this.sectionMap = map;
  }

  get options(): Map<string, OptionLine[]> | null {
    if (this.lazy || this.compact) this.materialize();
    return this.optionMap;
  }

  set options(map: Map<string, OptionLine[]> | null) {
    this.optionMap = map;
  }

  private materialize(): void {
    const body = this.lazy;
    const compact = this.compact;
    this.lazy = null;
    this.compact = null;
    // Below a stand-in root, as the section sits in the document: its lines are inside a section.
    // A compact body's children become lazy sections, as a full parse would have made them.
    if (body) new Parser(body.text, body.file, [newSection('', '', '', 0), this], false).run(body.start, body.end, body.line - 1);
    else if (compact) new Parser(compact.text, compact.file, [newSection('', '', '', 0), this], true).run(compact.start, compact.end, compact.lineBefore);
  }
}

function newSection(name: string, header: string, indent: string, line: number): Section {
  return new Section(name, header, indent, line);
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

/** One line of the text by index: where it ends and its trimmed range. */
interface LineSpan {
  /** Past the line ending. */
  end: number;
  /** Where the line ending starts. */
  bodyEnd: number;
  /** The trimmed range. */
  first: number;
  last: number;
}

function lineAt(text: string, start: number, span: LineSpan): void {
  const nl = text.indexOf('\n', start);
  const end = nl < 0 ? text.length : nl + 1;
  const bodyEnd = nl < 0 ? end : nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
  let first = start;
  while (first < bodyEnd && isSpace(text.charCodeAt(first))) first++;
  let last = bodyEnd;
  while (last > first && isSpace(text.charCodeAt(last - 1))) last--;
  span.end = end;
  span.bodyEnd = bodyEnd;
  span.first = first;
  span.last = last;
}

/** The first `=` of a trimmed line range, or -1. */
function equalsAt(text: string, first: number, last: number): number {
  const eq = text.indexOf('=', first);
  return eq >= last ? -1 : eq;
}

/** The first brace before `stop`, or -1. */
function braceBefore(text: string, first: number, stop: number): number {
  for (let i = first; i < stop; i++) {
    const c = text.charCodeAt(i);
    if (c === 123 || c === 125) return i;
  }
  return -1;
}

/** Where an option line's value starts and ends. */
function valueRange(text: string, eq: number, span: LineSpan): [number, number] {
  let valueStart = eq + 1;
  while (valueStart < span.bodyEnd && isSpace(text.charCodeAt(valueStart))) valueStart++;
  return [valueStart, Math.max(valueStart, span.last)];
}

/**
 * Reads the text by index, line by line, without an array of lines or a trimmed copy of each: a
 * 100 000-user Registry is half a million lines. Ranges are trimmed as `trim()` would.
 */
class Parser {
  private readonly stack: CfgSection[];
  private current: CfgSection;
  private pending: PendingName | null = null;
  step: string | null = null;
  private lineNo = 0;
  private readonly span: LineSpan = { end: 0, bodyEnd: 0, first: 0, last: 0 };
  // The same few heads, tails and closing lines repeat on every user: one string each.
  private readonly heads = new Map<string, OptionHead>();
  private readonly shared = new Map<string, string>();

  /** `stack`: the open sections, the document root first; `lazy`: keep option-only sections as ranges. */
  constructor(private readonly text: string, private readonly file: string, stack: CfgSection[], private readonly lazy: boolean) {
    this.stack = stack;
    this.current = stack[stack.length - 1];
  }

  private intern(s: string): string {
    const found = this.shared.get(s);
    if (found !== undefined) return found;
    this.shared.set(s, s);
    return s;
  }

  private fail(line: number, problem: string): never {
    throw new InputError(this.file, `line ${line}`, problem);
  }

  /**
   * Opens a section whose `{` line ends at `bodyStart`; returns where parsing goes on. A section of
   * options and comments only is kept as a range and skipped; any other line (a subsection, or one
   * the full parser must judge) opens it line by line.
   */
  private open(name: string, header: string, indent: string, line: number, bodyStart: number): number {
    const parent = this.current;
    const first = parent.sections?.get(name);
    if (first) this.fail(line, `section ${quote(name)} is defined twice in the same section (first at line ${first.line})`);
    if (this.step === null && this.stack.length > 1 && indent.length > parent.indent.length) this.step = indent.slice(parent.indent.length);
    const section = newSection(name, header, indent, line);
    addChild(parent, section);
    if (this.lazy) {
      const { text, span } = this;
      const footerStart = this.scanBody(section.indent.length, bodyStart);
      if (footerStart >= 0) {
        section.lazy = { text, file: this.file, start: bodyStart, end: footerStart, line: line + 1 };
        section.footer = this.intern(text.slice(footerStart, span.end));
        return span.end;
      }
      const lineBefore = this.lineNo;
      const compact = this.scanChildren(section.indent.length, bodyStart);
      if (compact !== null) {
        compact.lineBefore = lineBefore;
        section.compact = compact;
        section.footer = this.intern(text.slice(compact.end, span.end));
        return span.end;
      }
    }
    this.stack.push(section);
    this.current = section;
    return bodyStart;
  }

  /**
   * Checks a body of options and comments up to its `}` line without keeping anything: the start
   * of the `}` line (with `span` on it and the line count past it), or -1 when the body holds
   * anything else (the line count is then left as it was).
   */
  private scanBody(indent: number, from: number): number {
    const { text, span } = this;
    let lineNo = this.lineNo;
    let step = this.step;
    for (let start = from; start < text.length; start = span.end) {
      lineNo++;
      lineAt(text, start, span);
      const { first, last } = span;
      if (first === last || text.charCodeAt(first) === 35) continue;
      if (last - first === 1 && text.charCodeAt(first) === 125) {
        this.lineNo = lineNo;
        this.step = step;
        return start;
      }
      const eq = equalsAt(text, first, last);
      if (eq < 0 || braceBefore(text, first, eq) >= 0) return -1;
      // No name before the `=` (`= 3`, `+= 3`): the full parser reports it.
      if (eq === first || (eq - 1 === first && text.charCodeAt(first) === 43)) return -1;
      if (step === null) {
        const lead = leadingSpace(text.slice(start, first));
        if (lead.length > indent) step = lead.slice(indent);
      }
    }
    return -1;
  }

  /**
   * Checks a body of option-only sections, comments and blank lines up to its `}` line: its
   * children's names and option ranges (with `span` on the `}` line and the line count past it),
   * or null when it holds anything else or a name twice (the full parse then judges it; the line
   * count and step are left as they were).
   */
  private scanChildren(indent: number, from: number): CompactBody | null {
    const { text, span } = this;
    const lineNo = this.lineNo;
    const step = this.step;
    const names: string[] = [];
    const positions = new Map<string, number>();
    const ranges: number[] = [];
    /** Where the line of a name waiting for its `{` starts, or -1. */
    let pendingStart = -1;
    let pendingName = '';
    for (let start = from; start < text.length; start = span.end) {
      this.lineNo++;
      lineAt(text, start, span);
      const { first, last } = span;
      if (first === last || text.charCodeAt(first) === 35) continue;
      let name: string;
      let nameStart: number;
      if (pendingStart >= 0) {
        if (last - first !== 1 || text.charCodeAt(first) !== 123) break;
        name = pendingName;
        nameStart = pendingStart;
        pendingStart = -1;
      } else {
        if (last - first === 1 && text.charCodeAt(first) === 125) {
          return { text, file: this.file, start: from, end: start, lineBefore: 0, names, positions, ranges };
        }
        const eq = equalsAt(text, first, last);
        const brace = braceBefore(text, first, eq < 0 ? last : eq);
        if (eq >= 0 && brace < 0) break;
        if (text.charCodeAt(last - 1) !== 123) {
          if (brace >= 0) break;
          pendingStart = start;
          pendingName = text.slice(first, last);
          continue;
        }
        name = text.slice(first, last - 1).trim();
        if (!name || /[{}]/.test(name)) break;
        nameStart = start;
      }
      if (positions.has(name)) break;
      // The name line's leading blanks, as leadingSpace would give them, without a copy of the line.
      let leadEnd = nameStart;
      for (let c = text.charCodeAt(leadEnd); c === 32 || c === 9; c = text.charCodeAt(++leadEnd));
      if (this.step === null && leadEnd - nameStart > indent) this.step = text.slice(nameStart + indent, leadEnd);
      const bodyStart = span.end;
      const footerStart = this.scanBody(leadEnd - nameStart, bodyStart);
      if (footerStart < 0) break;
      positions.set(name, names.length);
      names.push(name);
      ranges.push(bodyStart, footerStart);
    }
    this.lineNo = lineNo;
    this.step = step;
    return null;
  }

  /** Parses the lines from `from` to `to`; `lineNo` is the number of the line before `from`. */
  run(from: number, to: number, lineNo: number): void {
    const { text, span } = this;
    this.lineNo = lineNo;
    for (let start = from; start < to; ) {
      this.lineNo++;
      lineAt(text, start, span);
      const { end, bodyEnd, first, last } = span;
      const lineStart = start;
      start = end;
      const blankOrComment = first === last || text.charCodeAt(first) === 35; // '#'
      const pending = this.pending;
      if (pending) {
        if (blankOrComment) continue;
        if (last - first !== 1 || text.charCodeAt(first) !== 123) this.fail(pending.line, `section name ${quote(pending.name)} is not followed by "{"`);
        this.pending = null;
        start = this.open(pending.name, text.slice(pending.start, end), pending.indent, pending.line, end);
        continue;
      }
      const current = this.current;
      if (blankOrComment) {
        current.items.push({ type: 'raw', text: text.slice(lineStart, end) });
        continue;
      }
      const eq = equalsAt(text, first, last);
      // The first brace, looked for only before the `=` of an option line.
      const brace = braceBefore(text, first, eq < 0 ? last : eq);
      if (eq >= 0 && brace < 0) {
        const [valueStart, valueEnd] = valueRange(text, eq, span);
        const headText = text.slice(lineStart, valueStart);
        let head = this.heads.get(headText);
        if (!head) {
          const append = eq > lineStart && text.charCodeAt(eq - 1) === 43; // '+'
          this.heads.set(headText, (head = { key: text.slice(first, append ? eq - 1 : eq).trim(), append, head: headText }));
        }
        if (!head.key) this.fail(this.lineNo, 'an option without a name');
        if (this.stack.length === 1) this.fail(this.lineNo, `option ${quote(head.key)} outside any section`);
        if (this.step === null && this.stack.length > 1) {
          const indent = leadingSpace(head.head);
          if (indent.length > current.indent.length) this.step = indent.slice(current.indent.length);
        }
        const tail = valueEnd === bodyEnd && end - bodyEnd === 1 ? '\n' : this.intern(text.slice(valueEnd, end));
        addOptionLine(current, { type: 'option', key: head.key, append: head.append, value: text.slice(valueStart, valueEnd), head: head.head, tail, line: this.lineNo });
        continue;
      }
      const lastChar = text.charCodeAt(last - 1);
      if (last - first === 1 && lastChar === 125) {
        if (this.stack.length === 1) this.fail(this.lineNo, '"}" without a matching "{"');
        current.footer = this.intern(text.slice(lineStart, end));
        this.stack.pop();
        this.current = this.stack[this.stack.length - 1];
        continue;
      }
      const body = text.slice(lineStart, bodyEnd);
      if (lastChar === 123) {
        const name = text.slice(first, last - 1).trim();
        if (!name) this.fail(this.lineNo, '"{" without a section name');
        if (/[{}]/.test(name)) this.fail(this.lineNo, `unexpected "${name.includes('{') ? '{' : '}'}"`);
        start = this.open(name, text.slice(lineStart, end), leadingSpace(body), this.lineNo, end);
        continue;
      }
      if (brace >= 0) this.fail(this.lineNo, `unexpected text around "${text[brace]}": expected "name {", "}" or "key = value" on a line of its own`);
      this.pending = { name: text.slice(first, last), line: this.lineNo, start: lineStart, indent: leadingSpace(body) };
    }
  }

  /** The errors only the end of the text can show. */
  finish(): void {
    const pending = this.pending;
    if (pending) this.fail(pending.line, `section name ${quote(pending.name)} is not followed by "{"`);
    if (this.stack.length > 1) {
      const open = this.stack[this.stack.length - 1];
      this.fail(open.line, `section ${quote(open.name)} is never closed (missing "}")`);
    }
  }
}

export function parseCfg(text: string, file: string): CfgDocument {
  const root = newSection('', '', '', 0);
  const eol = /\r?\n/.exec(text)?.[0] ?? '\n';
  const parser = new Parser(text, file, [root], true);
  parser.run(0, text.length, 0);
  parser.finish();
  return { root, eol, step: parser.step ?? '  ', file };
}

function writeSection(section: CfgSection, out: string[]): void {
  out.push(section.header);
  const { lazy, compact } = section as Section;
  if (lazy) out.push(lazy.text.slice(lazy.start, lazy.end));
  else if (compact) out.push(compact.text.slice(compact.start, compact.end));
  else {
    for (const item of section.items) {
      if (item.removed) continue;
      if (item.type === 'raw') out.push(item.text);
      else if (item.type === 'option') out.push(item.head, item.value, item.tail);
      else writeSection(item, out);
    }
  }
  out.push(section.footer);
}

export function serializeCfg(doc: CfgDocument): string {
  const out: string[] = [];
  writeSection(doc.root, out);
  return out.join('');
}

/** One line's span, reused by every read of a section kept as text (reads do not nest). */
const scratch: LineSpan = { end: 0, bodyEnd: 0, first: 0, last: 0 };

/**
 * Options of a section still kept as text, read straight from its lines in one pass: the values
 * the option lines would give (appends folded in), by position in `keys`, without making the lines.
 */
function lazyOptions(text: string, from: number, to: number, keys: readonly string[], out: (string | null)[]): (string | null)[] {
  const span = scratch;
  for (let k = 0; k < keys.length; k++) out[k] = null;
  for (let start = from; start < to; start = span.end) {
    lineAt(text, start, span);
    const { first, last } = span;
    if (first === last) continue;
    const c = text.charCodeAt(first);
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k];
      // The first letter rules out most keys without a call.
      if (key.charCodeAt(0) !== c || !text.startsWith(key, first)) continue;
      let i = first + key.length;
      while (i < last && isSpace(text.charCodeAt(i))) i++;
      let append = false;
      if (text.charCodeAt(i) === 43 && text.charCodeAt(i + 1) === 61) {
        append = true;
        i++;
      }
      // The key is the whole text before the first `=` (the body was checked to be options only).
      if (i >= last || text.charCodeAt(i) !== 61) continue;
      let valueStart = i + 1;
      while (valueStart < span.bodyEnd && isSpace(text.charCodeAt(valueStart))) valueStart++;
      const line = text.slice(valueStart, Math.max(valueStart, last));
      const value = out[k];
      out[k] = append && value !== null ? (value ? `${value}, ${line}` : line) : line;
      break;
    }
  }
  return out;
}

/**
 * Several options of a section at once, as `getOption` gives each: a section kept as text is read
 * in one pass. `out` (reused by the caller across sections) receives the values.
 */
export function getOptions(section: CfgSection, keys: readonly string[], out: (string | null)[] = []): (string | null)[] {
  const lazy = (section as Section).lazy;
  if (lazy) return lazyOptions(lazy.text, lazy.start, lazy.end, keys, out);
  for (let k = 0; k < keys.length; k++) out[k] = getOption(section, keys[k]);
  return out;
}

/**
 * The child sections of a section still kept compact (DIRAC's `Registry/Users`: sections of
 * options only), read without making them.
 */
export interface CompactChildren {
  /** The children's names, in order. */
  readonly names: readonly string[];
  /** The position of the child of this name, or -1. */
  positionOf(name: string): number;
  /** What getOptions gives for the child at `at`; `out` is reused across children. */
  options(at: number, keys: readonly string[], out: (string | null)[]): (string | null)[];
}

/** The children of a section kept compact, or null once its items were made (or never could be kept). */
export function compactChildren(section: CfgSection): CompactChildren | null {
  const compact = (section as Section).compact;
  if (!compact) return null;
  const { text, names, positions, ranges } = compact;
  return {
    names,
    positionOf: (name) => positions.get(name) ?? -1,
    options: (at, keys, out) => lazyOptions(text, ranges[2 * at], ranges[2 * at + 1], keys, out),
  };
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
  const lazy = (section as Section).lazy;
  if (lazy) return lazyOptions(lazy.text, lazy.start, lazy.end, [key], [])[0];
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
