/**
 * The CLI as one bytecode-compiled bundle, built on first use and whenever the sources change.
 *
 * Starting from the TypeScript sources costs Bun ~150 ms (hundreds of modules to resolve, read
 * and compile); the bundle, with JavaScriptCore bytecode beside it, starts in ~70 ms — the
 * difference between answering `list` faster than `pm2 jlist` and not (bench/, BENCHMARKS.md).
 * The bundle lives in a directory named by a fingerprint of everything it is built from (the
 * sources, this builder, the lockfile, the Bun version), so a stale bundle is never run: a changed source
 * names another directory, which is built afresh. Nothing here may import more than node:fs.
 */
import { mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export const ROOT = join(import.meta.dirname, "..");
export const SOURCE_ENTRY = join(ROOT, "src", "main.ts");
export const LAUNCHER = join(ROOT, "bin", "codex-supervisor.ts");

/** Names, sizes and mtimes of every input: a change to any of them is a new fingerprint. */
export const fingerprint = (root = ROOT): string => {
  const parts: string[] = [Bun.version];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else {
        const st = statSync(path);
        parts.push(`${path}\0${st.size}\0${st.mtimeMs}`);
      }
    }
  };
  walk(join(root, "src"));
  walk(join(root, "plugins"));
  walk(join(root, "bin")); // how it is built is an input too
  for (const file of ["package.json", "bun.lock"]) {
    try {
      const st = statSync(join(root, file));
      parts.push(`${file}\0${st.size}\0${st.mtimeMs}`);
    } catch {
      parts.push(`${file}\0missing`);
    }
  }
  return Bun.hash(parts.join("\n")).toString(36);
};

/**
 * Where bundles are kept: CODEX_SUPERVISOR_BUILD_DIR alone when set; else beside the
 * dependencies, or in the user's cache when the checkout is read-only.
 */
const cacheDirs = (): string[] =>
  process.env.CODEX_SUPERVISOR_BUILD_DIR
    ? [process.env.CODEX_SUPERVISOR_BUILD_DIR]
    : [
      join(ROOT, "node_modules", ".cache", "codex-supervisor"),
      join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "codex-supervisor", "bundle"),
    ];

/** The bundle for these sources if it is built already, without building it. */
export const builtBundle = (fp = fingerprint()): string | undefined => {
  for (const dir of cacheDirs()) {
    const main = join(dir, fp, "main.js");
    try {
      statSync(main);
      return main;
    } catch {}
  }
  return undefined;
};

/**
 * Builds the bundle for these sources (concurrent builders race harmlessly: each writes a
 * directory of its own and renames it into place; the first rename wins) and removes bundles
 * of older sources. Returns its path, or throws with Bun's build messages.
 */
export const buildBundle = async (fp = fingerprint()): Promise<string> => {
  const errors: string[] = [];
  for (const dir of cacheDirs()) {
    const final = join(dir, fp);
    const scratch = join(dir, `.build-${process.pid}-${Date.now()}`);
    try {
      mkdirSync(scratch, { recursive: true });
    } catch (e) {
      errors.push(`${dir}: ${(e as Error).message}`);
      continue;
    }
    try {
      const result = await Bun.build({
        entrypoints: [SOURCE_ENTRY],
        outdir: scratch,
        target: "bun",
        format: "cjs",
        bytecode: true,
        // No source map: Bun reads one eagerly at start (+30 ms). Identifiers stay, so stack traces still read.
        minify: { whitespace: true, syntax: true, identifiers: false },
        define: { __CODEX_SUPERVISOR_LAUNCHER__: JSON.stringify(LAUNCHER) },
      });
      if (!result.success) throw new Error(result.logs.map(String).join("\n"));
      try {
        renameSync(scratch, final);
      } catch {
        rmSync(scratch, { recursive: true, force: true }); // another build got there first
      }
      for (const old of readdirSync(dir)) {
        if (old !== fp && !old.startsWith(".build-")) rmSync(join(dir, old), { recursive: true, force: true });
      }
      return join(final, "main.js");
    } catch (e) {
      rmSync(scratch, { recursive: true, force: true });
      throw e;
    }
  }
  throw new Error(`no writable place for the CLI bundle:\n${errors.join("\n")}`);
};
