/**
 * `bun run mutate [--only TEXT] [--list] [--json FILE]`: a scripted mutation test of the
 * safety-critical code. Each mutant (test/mutate/mutants.ts) is one small edit that a user
 * would feel — a PID check dropped, a stray rule loosened, a thread picked wrongly. The
 * runner copies the checkout into a temporary folder (the work tree is never edited), applies
 * one mutant at a time, runs the tests named for it, and calls the mutant killed when they
 * fail. It prints the score and every survivor.
 *
 * StrykerJS, the well-kept tool for this, runs vitest inside Node, where bun:sqlite (and so
 * most of this suite) does not exist; hence a script of our own.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { MUTANTS, type Mutant } from "./mutants.ts";

const REPO = resolve(import.meta.dirname, "../..");
const COPIED = ["src", "plugins", "bin", "test", "package.json", "tsconfig.json", "vitest.config.ts", "codex-supervisor.config.ts", "bun.lock"];

export type Outcome = "killed" | "survived" | "stale";
interface Result { readonly mutant: Mutant; readonly outcome: Outcome; readonly ms: number; readonly detail: string }

const args = process.argv.slice(2);
const option = (name: string) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const only = option("--only");
const jsonOut = option("--json");

/** A copy of the checkout to mutate, sharing node_modules (read-only use) with the real one. */
const makeCopy = (): string => {
  const dir = mkdtempSync(join(tmpdir(), "cs-mutate-"));
  for (const entry of COPIED) if (existsSync(join(REPO, entry))) cpSync(join(REPO, entry), join(dir, entry), { recursive: true });
  symlinkSync(join(REPO, "node_modules"), join(dir, "node_modules"));
  return dir;
};

/** Applies one mutant to the copy; returns a function that undoes it, or why it cannot apply. */
const apply = (copy: string, mutant: Mutant): (() => void) | string => {
  const path = join(copy, mutant.file);
  const original = readFileSync(path, "utf8");
  const count = original.split(mutant.find).length - 1;
  if (count !== 1) return `the text to mutate occurs ${count} times in ${mutant.file} (expected once): update test/mutate/mutants.ts`;
  writeFileSync(path, original.replace(mutant.find, mutant.replace));
  return () => writeFileSync(path, original);
};

const runTests = async (copy: string, mutant: Mutant) => {
  const child = Bun.spawn([process.execPath, "--bun", "vitest", "run", "--bail", "1", ...mutant.tests.flatMap((t) => t.split(" "))], {
    cwd: copy, stdin: "ignore", stdout: "pipe", stderr: "pipe",
    env: { ...process.env, NO_COLOR: "1", CODEX_SUPERVISOR_MATRIX: "pinned" },
  });
  const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  const closing = /^(\d+) passed, (\d+) failed, (\d+) skipped$/m.exec(out);
  return { code, passed: Number(closing?.[1] ?? 0), failed: Number(closing?.[2] ?? 0), tail: `${out}\n${err}`.trim().split("\n").slice(-12).join("\n") };
};

const runMutant = async (copy: string, mutant: Mutant): Promise<Result> => {
  const started = performance.now();
  const undo = apply(copy, mutant);
  if (typeof undo === "string") return { mutant, outcome: "stale", ms: 0, detail: undo };
  try {
    const r = await runTests(copy, mutant);
    // No test ran (a typo in a path, a collection error) is no verdict: only failing tests kill.
    const outcome: Outcome = r.failed > 0 ? "killed" : r.passed > 0 && r.code === 0 ? "survived" : "stale";
    return { mutant, outcome, ms: performance.now() - started, detail: outcome === "stale" ? r.tail : `${r.passed} passed, ${r.failed} failed` };
  } finally {
    undo();
  }
};

const main = async () => {
  const chosen = MUTANTS.filter((m) => !only || m.name.includes(only) || m.file.includes(only));
  if (args.includes("--list")) {
    for (const m of chosen) console.log(`${m.file}: ${m.name}\n  tests: ${m.tests.join(", ")}`);
    return;
  }
  const copy = makeCopy();
  const results: Result[] = [];
  try {
    // The unmutated copy must pass the tests, or a failure would kill every mutant for nothing.
    const baseline = await runTests(copy, { name: "baseline", file: "", find: "", replace: "", tests: [...new Set(chosen.flatMap((m) => m.tests))], why: "" });
    if (baseline.failed > 0 || baseline.code !== 0) {
      console.error(`the tests fail without any mutant; fix them first:\n${baseline.tail}`);
      process.exitCode = 2;
      return;
    }
    for (const mutant of chosen) {
      const result = await runMutant(copy, mutant);
      results.push(result);
      console.log(`${result.outcome.padEnd(8)} ${(result.ms / 1000).toFixed(0).padStart(4)} s  ${mutant.file}: ${mutant.name}`);
    }
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
  const judged = results.filter((r) => r.outcome !== "stale");
  const killed = judged.filter((r) => r.outcome === "killed").length;
  console.log(`\nmutation score: ${killed}/${judged.length} killed${judged.length ? ` (${Math.round((100 * killed) / judged.length)} %)` : ""}`);
  for (const r of results.filter((r) => r.outcome !== "killed")) {
    console.log(`\n${r.outcome.toUpperCase()}: ${r.mutant.file}: ${r.mutant.name}\n  what a user would see: ${r.mutant.why}\n  ${r.detail.replaceAll("\n", "\n  ")}`);
  }
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify(results.map((r) => ({ ...r, mutant: r.mutant.name, file: r.mutant.file })), null, 2));
  if (results.some((r) => r.outcome !== "killed")) process.exitCode = 1;
};

await main();
