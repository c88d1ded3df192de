/**
 * Installs a given `@openai/codex` release into the cache outside the project tree
 * (`${XDG_CACHE_HOME:-~/.cache}/codex-supervisor/codex-versions/<version>`) and
 * answers the path of its launcher. The npm package brings its native binary as an
 * optional dependency, so a plain install is a working Codex.
 *
 *   bun test/matrix/install.ts 0.128.0 [0.150.1 …]   prints "<version> <launcher path>" per release
 *
 * An install is built in a temporary folder and renamed into place, so a killed
 * install never looks complete and two test runs installing at once both end well.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { codexBinFor, codexCacheDir, isVersion, pinnedVersion } from "./versions.ts";

const INSTALL_TIMEOUT_MS = 300_000;

// `bun --bun` puts a `node` that is really bun first on PATH: npm and the Codex launcher get the real node.
const realPath = (): string => (process.env.PATH ?? "").split(delimiter).filter((p) => !p.includes("bun-node-")).join(delimiter);

const run = async (argv: ReadonlyArray<string>, cwd: string, timeoutMs: number) => {
  const proc = Bun.spawn([...argv], { cwd, env: { ...process.env, PATH: realPath() }, stdin: "ignore", stdout: "pipe", stderr: "pipe", timeout: timeoutMs });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { ok: code === 0 && proc.signalCode === null, out, err, code: proc.signalCode ?? code };
};

/** The `codex --version` of a launcher, or undefined when it does not answer as a Codex. */
export const reportedVersion = async (bin: string): Promise<string | undefined> => {
  if (!existsSync(bin)) return undefined;
  const r = await run([bin, "--version"], "/", 30_000);
  return r.ok ? /codex-cli (\S+)/.exec(r.out)?.[1] : undefined;
};

const isAlive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };

/** Temporary folders of installs whose process is gone: a killed install leaves one behind. */
const removeAbandoned = (cache: string) => {
  for (const name of readdirSync(cache)) {
    const pid = /^\.tmp-.+-(\d+)$/.exec(name)?.[1];
    if (pid !== undefined && !isAlive(Number(pid))) rmSync(join(cache, name), { recursive: true, force: true });
  }
};

const installer = (version: string): ReadonlyArray<string> => {
  const spec = `@openai/codex@${version}`;
  if (Bun.which("npm", { PATH: realPath() })) {
    return ["npm", "install", "--prefix", ".", "--no-audit", "--no-fund", "--save-exact", "--ignore-scripts", "--loglevel=error", spec];
  }
  return [process.execPath, "add", "--exact", "--ignore-scripts", spec];
};

/** Installs `version` into the cache unless it is there and answers as that version; returns its launcher. */
export const installCodex = async (version: string): Promise<string> => {
  if (!isVersion(version)) throw new Error(`"${version}" is not a Codex version (like 0.150.1)`);
  const bin = codexBinFor(version);
  if (version === pinnedVersion()) {
    if ((await reportedVersion(bin)) !== version) throw new Error(`the pinned Codex ${version} is not installed at ${bin}: run bun install`);
    return bin;
  }
  if ((await reportedVersion(bin)) === version) return bin;
  const cache = codexCacheDir();
  const target = join(cache, version);
  mkdirSync(cache, { recursive: true });
  removeAbandoned(cache);
  const tmp = join(cache, `.tmp-${version}-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  try {
    writeFileSync(join(tmp, "package.json"), `${JSON.stringify({ name: "codex-versions-cache", private: true })}\n`);
    const argv = installer(version);
    const r = await run(argv, tmp, INSTALL_TIMEOUT_MS);
    if (!r.ok) throw new Error(`installing @openai/codex@${version} failed (${argv[0]} exited ${r.code ?? "by a signal or timeout"}):\n${(r.err || r.out).trim()}`);
    const tmpBin = join(tmp, "node_modules", ".bin", "codex");
    const got = await reportedVersion(tmpBin);
    if (got !== version) throw new Error(`@openai/codex@${version} installed but ${tmpBin} --version answers ${got ?? "nothing"}`);
    // a broken earlier install is replaced; a good one another run just finished is kept
    if (existsSync(target) && (await reportedVersion(bin)) !== version) rmSync(target, { recursive: true, force: true });
    try {
      renameSync(tmp, target);
    } catch (e) {
      if ((await reportedVersion(bin)) !== version) throw e;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return bin;
};

if (import.meta.main) {
  const versions = process.argv.slice(2);
  if (versions.length === 0) {
    console.error("usage: bun test/matrix/install.ts VERSION [VERSION…]   (e.g. 0.128.0)");
    process.exit(2);
  }
  try {
    for (const v of versions) console.log(`${v} ${await installCodex(v)}`);
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  }
}
