/**
 * Which Codex releases the end-to-end suite runs against, and where each lives.
 * The pinned release is the dev dependency; the older ones are installed on demand
 * into a per-user cache outside the project tree (see install.ts).
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";

export const REPO = resolve(import.meta.dirname, "../..");

/**
 * Older releases whose history formats differ from the pinned one: 0.128 is the oldest
 * the supervisor reads (no `ordinal`, no `item_completed`, no thread-writer-locks),
 * 0.150 the first with `item_completed` and `world_state`.
 */
export const OLDER_RELEASES: ReadonlyArray<string> = ["0.128.0", "0.150.1"];

/**
 * When each release of the default matrix was published on npm (`npm view @openai/codex time`):
 * the matrix must hold three releases or more over six months or more (test/matrix/versions.test.ts).
 */
export const RELEASE_DATES: Readonly<Record<string, string>> = {
  "0.128.0": "2026-05-14",
  "0.150.1": "2026-08-28",
  "0.171.0": "2026-11-20",
};

/** Selects the matrix; unset means the default one. See `selectVersions`. */
export const MATRIX_ENV = "CODEX_SUPERVISOR_MATRIX";
/** One Codex binary to run the end-to-end suite against instead of the matrix. */
export const CODEX_ENV = "CODEX_SUPERVISOR_TEST_CODEX";

/** The `@openai/codex` version pinned in package.json's devDependencies. */
export const pinnedVersion = (): string => {
  const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { devDependencies?: Record<string, string> };
  const pinned = pkg.devDependencies?.["@openai/codex"];
  if (!pinned || !/^\d+\.\d+\.\d+/.test(pinned)) throw new Error(`package.json pins no exact @openai/codex version (found ${pinned ?? "none"})`);
  return pinned;
};

export const DEFAULT_MATRIX = (): ReadonlyArray<string> => [...OLDER_RELEASES, pinnedVersion()];

/** `${XDG_CACHE_HOME:-~/.cache}/codex-supervisor/codex-versions`: shared by every checkout, never inside one. */
export const codexCacheDir = (env: Readonly<Record<string, string | undefined>> = process.env): string =>
  join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "codex-supervisor", "codex-versions");

const VERSION = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;
export const isVersion = (v: string): boolean => VERSION.test(v);

/**
 * The releases to run, from CODEX_SUPERVISOR_MATRIX: unset is the default matrix; a
 * comma- or space-separated list names releases (`pinned` is the dev dependency's); `pinned`
 * alone runs only the dev dependency and installs nothing (offline, or a quick local run).
 */
export const selectVersions = (env: Readonly<Record<string, string | undefined>> = process.env): ReadonlyArray<string> => {
  const raw = env[MATRIX_ENV];
  if (raw === undefined || raw.trim() === "") return DEFAULT_MATRIX();
  const words = raw.split(/[\s,]+/).filter((w) => w !== "");
  const bad = words.filter((w) => w !== "pinned" && !isVersion(w));
  if (bad.length > 0) throw new Error(`${MATRIX_ENV}: ${bad.map((b) => `"${b}"`).join(", ")} is not a Codex version (like 0.150.1) or "pinned"`);
  return [...new Set(words.map((w) => (w === "pinned" ? pinnedVersion() : w)))];
};

/** Where a release's launcher is: the dev dependency for the pinned one, the cache for the rest. */
export const codexBinFor = (version: string, env: Readonly<Record<string, string | undefined>> = process.env): string =>
  version === pinnedVersion()
    ? join(REPO, "node_modules", ".bin", "codex")
    : join(codexCacheDir(env), version, "node_modules", ".bin", "codex");
