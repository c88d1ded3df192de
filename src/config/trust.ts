import { createHash } from "node:crypto";
import { readFileSync, realpathSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { ensurePrivateDir } from "../services/privateDir.ts";
import { writeWhole } from "../services/writeWhole.ts";
import { ownershipProblem } from "./ownership.ts";
import { type PathContext, userStateDir } from "./paths.ts";

/**
 * The project config files this user trusted, kept with the user's state (private: 0600 in a
 * 0700 folder). A project file applies only while its content, and the plugin files it names,
 * hash as they did when trusted: an edit makes it untrusted again, as `direnv allow` and
 * `mise trust` do.
 */
export interface TrustEntry {
  /** sha256 of the config file's bytes. */
  readonly sha256: string;
  /** The plugin files the config named when trusted (absolute), each with its sha256 (or ABSENT: nothing to run, and nothing may appear). */
  readonly plugins: Readonly<Record<string, string>>;
  readonly trustedAt: string;
}

export interface TrustRecord {
  readonly version: 1;
  /** By the config file's real path. */
  readonly configs: Readonly<Record<string, TrustEntry>>;
}

export const EMPTY_TRUST: TrustRecord = { version: 1, configs: {} };

/** A plugin file that did not exist when trusted: it may stay absent (the plugin host says so), not appear. */
export const ABSENT = "absent";

/** `<stateDir>/trusted.json`. */
export const trustFilePath = (ctx: PathContext): string => join(userStateDir(ctx), "trusted.json");

export const sha256Of = (file: string): string => createHash("sha256").update(readFileSync(file)).digest("hex");

const realOf = (file: string): string => {
  try { return realpathSync(file); } catch { return file; }
};

const isEntry = (value: unknown): value is TrustEntry => {
  if (typeof value !== "object" || value === null) return false;
  const { sha256, plugins, trustedAt } = value as Record<string, unknown>;
  return typeof sha256 === "string" && typeof trustedAt === "string" && typeof plugins === "object" && plugins !== null
    && Object.values(plugins).every((h) => typeof h === "string");
};

/** The record, or why it cannot be relied on. A missing file is an empty record. */
export const readTrust = (path: string): TrustRecord | { readonly problem: string } => {
  if (!statSync(path, { throwIfNoEntry: false })) return EMPTY_TRUST;
  // Whoever can write the record could trust any file for this user.
  const unsafe = ownershipProblem(path);
  if (unsafe) return { problem: `the trust record ${unsafe.replace(/^refusing to load \S+: /, "")}` };
  let parsed: unknown;
  try { parsed = JSON.parse(readFileSync(path, "utf8")); } catch (cause) {
    return { problem: `the trust record ${path} is not valid JSON (${cause instanceof Error ? cause.message : String(cause)}); remove it and trust again` };
  }
  const configs = (parsed as { configs?: unknown } | null)?.configs;
  if ((parsed as { version?: unknown } | null)?.version !== 1 || typeof configs !== "object" || configs === null) {
    return { problem: `the trust record ${path} is not one this version of codex-supervisor wrote; remove it and trust again` };
  }
  return { version: 1, configs: Object.fromEntries(Object.entries(configs).filter(([, entry]) => isEntry(entry))) };
};

/** Writes the record whole (a temp file renamed over it): a reader never sees half of it. */
export const writeTrust = (path: string, record: TrustRecord): void => {
  ensurePrivateDir(dirname(path));
  writeWhole(path, `${JSON.stringify(record, null, 2)}\n`, 0o600);
};

/** Why a project file is not applied: never trusted, edited since, or a plugin file changed. */
export type TrustVerdict =
  | { readonly trusted: true; readonly entry: TrustEntry }
  | { readonly trusted: false; readonly reason: string };

export const judgeConfigFile = (record: TrustRecord, file: string, sha256: string): TrustVerdict => {
  const entry = record.configs[realOf(file)];
  if (!entry) return { trusted: false, reason: "it was never trusted" };
  if (entry.sha256 !== sha256) return { trusted: false, reason: "it was edited since it was trusted" };
  return { trusted: true, entry };
};

/** The plugin files a trusted config names now must be those it named when trusted, unchanged. */
export const judgePluginFiles = (entry: TrustEntry, files: ReadonlyArray<string>): string | undefined => {
  for (const file of files) {
    const known = entry.plugins[file];
    if (known === undefined) return `it names the plugin file ${file}, which it did not when it was trusted`;
    let now: string;
    try { now = sha256Of(file); } catch { now = ABSENT; }
    if (now === ABSENT && known !== ABSENT) return `its plugin file ${file} is gone`;
    if (now !== known) return `its plugin file ${file} was edited since it was trusted`;
  }
  return undefined;
};

/** A trust entry for a config file as it is now, with the plugin files it names. */
export const entryFor = (file: string, pluginFiles: ReadonlyArray<string>, now: Date = new Date()): TrustEntry => ({
  sha256: sha256Of(file),
  plugins: Object.fromEntries(pluginFiles.map((plugin) => [plugin, sha256Of(plugin)])),
  trustedAt: now.toISOString(),
});

export const withEntry = (record: TrustRecord, file: string, entry: TrustEntry): TrustRecord =>
  ({ version: 1, configs: { ...record.configs, [realOf(file)]: entry } });

export const withoutEntry = (record: TrustRecord, file: string): TrustRecord => {
  const real = realOf(file);
  return { version: 1, configs: Object.fromEntries(Object.entries(record.configs).filter(([path]) => path !== real && path !== file)) };
};

/** `trust DIR`, quoted for a shell when it needs to be. */
export const trustCommand = (dir: string): string =>
  `codex-supervisor trust ${/^[\w@%+=:,./-]+$/.test(dir) ? dir : `'${dir.replaceAll("'", `'\\''`)}'`}`;

/** One line saying a project file is not applied, why, and what would apply it. */
export const skippedText = (skipped: { readonly file: string; readonly reason: string; readonly fix: string | undefined }): string =>
  `project config ${skipped.file} is not applied (${skipped.reason})${skipped.fix ? `: run \`${skipped.fix}\` to apply it` : ""}`;
