/** Builds dist/ once for the whole e2e run: the tests drive `node dist/cli.js`, as an admin would. */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  try {
    execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'pipe', timeout: 240_000 });
  } catch (err) {
    const out = `${(err as { stdout?: Buffer }).stdout ?? ''}${(err as { stderr?: Buffer }).stderr ?? ''}`;
    throw new Error(`npm run build failed:\n${out.slice(0, 4000)}`);
  }
}
