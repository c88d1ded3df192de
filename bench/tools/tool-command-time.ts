/**
 * How long a real `codex exec` takes to run one quick tool command (`echo hi`) and end, with the
 * login shell Codex runs it in reading this user's HOME, and reading an empty one. Codex waits for a
 * tool command's output to close or for its yield (10 s); a profile that leaves something holding
 * the terminal open (here: `pyenv init`, `pyenv virtualenv-init` in ~/.bashrc) costs the full yield.
 *
 *   bun bench/tools/tool-command-time.ts [--runs N]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { codexConfigFor, startModelServer } from "../../test/real/support/modelServer.ts";

const { values } = parseArgs({ options: { runs: { type: "string", default: "3" } } });
const runs = Number(values.runs);
const codex = join(import.meta.dirname, "../../node_modules/.bin/codex");
const root = mkdtempSync(join(tmpdir(), "cs-tool-time-"));
const model = startModelServer();
try {
  const codexHome = join(root, "codex-home");
  mkdirSync(codexHome);
  writeFileSync(join(codexHome, "config.toml"), codexConfigFor(model));
  const emptyHome = join(root, "home");
  mkdirSync(emptyHome);
  const once = async (home: string, prompt: string): Promise<number> => {
    const t0 = performance.now();
    const p = Bun.spawn([codex, "exec", "--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox", "-"], {
      cwd: root, env: { ...process.env, CODEX_HOME: codexHome, HOME: home }, stdin: new TextEncoder().encode(prompt), stdout: "ignore", stderr: "ignore",
    });
    if ((await p.exited) !== 0) throw new Error(`codex exited ${p.exitCode}`);
    return performance.now() - t0;
  };
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`codex exec, median of ${runs} runs (ms)`);
  console.log(`${"prompt".padEnd(16)} ${`HOME=${homedir()}`.padEnd(24)} HOME=<empty>`);
  for (const prompt of ["REPLY: hi", "RUN: echo hi"]) {
    const mine: number[] = [], empty: number[] = [];
    for (let i = 0; i < runs; i++) { mine.push(await once(homedir(), prompt)); empty.push(await once(emptyHome, prompt)); }
    console.log(`${prompt.padEnd(16)} ${median(mine).toFixed(0).padEnd(24)} ${median(empty).toFixed(0)}`);
  }
} finally {
  await model.stop();
  rmSync(root, { recursive: true, force: true });
}
