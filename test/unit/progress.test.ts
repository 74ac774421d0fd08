import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgress, renderBar } from '../../src/commands/progress.js';

function stream(isTTY: boolean) {
  const s = new PassThrough() as PassThrough & { isTTY: boolean; columns: number };
  s.isTTY = isTTY;
  s.columns = 80;
  let text = '';
  s.on('data', (d: Buffer) => (text += d.toString()));
  return { s: s as unknown as NodeJS.WriteStream, text: () => text };
}

describe('progress', () => {
  it('draws counts and a bar', () => {
    expect(renderBar({ phase: 'IAM users', done: 50, total: 200 })).toMatch(/^IAM users █+░+ 50\/200  25%$/);
    expect(renderBar({ phase: 'IAM users', done: 0, total: null })).toBe('IAM users: 0 …');
    expect(renderBar({ phase: 'IAM users', done: 0, total: 0 })).toBe('IAM users: 0 (none)');
  });

  it('redraws in place on a terminal and keeps notes above the bar', () => {
    const out = stream(true);
    const p = createProgress({ stream: out.s, intervalMs: 0 });
    p.update({ phase: 'VOMS users', done: 10, total: 20 });
    p.retry({ url: 'u', attempt: 1, delayMs: 1500, reason: 'VOMS GET u: HTTP 503' });
    p.update({ phase: 'VOMS users', done: 20, total: 20 });
    p.done();
    const text = out.text();
    expect(text).toContain('VOMS GET u: HTTP 503; retrying in 1.5 s (attempt 2)\n');
    expect(text).toContain('20/20 100%');
    expect(text.endsWith('\r\x1b[2K')).toBe(true);
  });

  it('writes only the notes when stderr is not a terminal', () => {
    const out = stream(false);
    const p = createProgress({ stream: out.s });
    p.update({ phase: 'IAM users', done: 1, total: 2 });
    p.note('warning: something');
    p.done();
    expect(out.text()).toBe('warning: something\n');
  });
});
