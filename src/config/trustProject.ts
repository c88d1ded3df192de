import { statSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, resolve } from "node:path";
import { ConfigError } from "../core/errors.ts";
import { loadConfig, type LoadConfigOptions, projectFileFor, readProjectFile } from "./load.ts";
import { PROJECT_PLACES_TEXT } from "./locate.ts";
import { ownershipProblem } from "./ownership.ts";
import { processPathContext } from "./paths.ts";
import {
  entryFor, judgeConfigFile, judgePluginFiles, readTrust, sha256Of, type TrustRecord, trustFilePath, withEntry, withoutEntry, writeTrust,
} from "./trust.ts";

/** `trust`, `untrust` and `trust --list` act on the project file a search from `cwd` finds (or that file, when `cwd` names it). */
export type TrustOptions = Pick<LoadConfigOptions, "cwd" | "env" | "home" | "globalDir">;

const problem = (file: string, message: string) => new ConfigError({ file, issues: [{ path: "", message }] });

const trustFileOf = (options: Omit<TrustOptions, "cwd">) =>
  trustFilePath({ ...processPathContext(options.env ?? process.env), home: resolve(options.home ?? homedir()) });

const recordAt = (path: string): TrustRecord => {
  const record = readTrust(path);
  if ("problem" in record) throw problem(path, record.problem);
  return record;
};

/** The project file `cwd` names or finds; rejects with a ConfigError saying where it looked. */
export const targetFile = (options: TrustOptions): string => {
  const given = resolve(options.cwd);
  const stats = statSync(given, { throwIfNoEntry: false });
  if (!stats) throw problem(given, "does not exist");
  const dir = stats.isDirectory() ? given : dirname(given);
  const found = projectFileFor({ ...options, cwd: dir });
  if (!found) throw problem(dir, `no project config file here or in a folder above it (looked for ${PROJECT_PLACES_TEXT})`);
  if (!stats.isDirectory() && found !== given) throw problem(given, `is not the config a job in ${dir} gets (that is ${found})`);
  return found;
};

export interface Trusted {
  readonly file: string;
  readonly pluginFiles: ReadonlyArray<string>;
}

/**
 * Trusts the project file as it is now, with the plugin files it names: loading it runs a TS
 * config, which is what trusting it means. The file must load and validate (else nothing is
 * recorded), and neither it nor a plugin file may be writable by someone else.
 */
export const trustFile = async (file: string, options: Omit<TrustOptions, "cwd"> = {}): Promise<Trusted> => {
  const refused = ownershipProblem(file);
  if (refused) throw problem(file, refused);
  const before = sha256Of(file);
  const { pluginFiles } = await readProjectFile(file, options);
  for (const plugin of pluginFiles) {
    const unsafe = ownershipProblem(plugin);
    if (unsafe) throw problem(file, unsafe);
  }
  const entry = entryFor(file, pluginFiles);
  if (entry.sha256 !== before) throw problem(file, "changed while it was being trusted; run trust again");
  const path = trustFileOf(options);
  const previous = recordAt(path);
  writeTrust(path, withEntry(previous, file, entry));
  try {
    await loadConfig({ ...options, cwd: dirname(file) });
  } catch (cause) {
    writeTrust(path, previous); // a file that does not load is not trusted
    throw cause;
  }
  return { file, pluginFiles };
};

/** `trust [DIR]`. */
export const trustProject = async (options: TrustOptions): Promise<Trusted> => trustFile(targetFile(options), options);

/**
 * For a command that writes a project config (`init`): the file it wrote is trusted as written.
 * Call it right after writing the file.
 */
export const trustWrittenConfig = (file: string, options: Omit<TrustOptions, "cwd"> = {}): Promise<Trusted> =>
  trustFile(resolve(file), options);

/** `untrust [DIR]`: whether there was a record to remove. */
export const untrustProject = (options: TrustOptions): { readonly file: string; readonly removed: boolean } => {
  const path = trustFileOf(options);
  const record = recordAt(path);
  const given = resolve(options.cwd);
  // A trusted file that is gone can still be untrusted by its own path.
  const file = given in record.configs ? given : targetFile(options);
  const next = withoutEntry(record, file);
  const removed = Object.keys(next.configs).length !== Object.keys(record.configs).length;
  if (removed) writeTrust(path, next);
  return { file, removed };
};

export interface TrustListing {
  readonly file: string;
  /** "trusted": applies as recorded; otherwise why it no longer does. */
  readonly state: "trusted" | "edited" | "missing" | "plugin changed";
  readonly detail: string | undefined;
  readonly pluginFiles: ReadonlyArray<string>;
  readonly trustedAt: string;
}

/** `trust --list`: every recorded file and whether it still applies as trusted. */
export const listTrusted = (options: Omit<TrustOptions, "cwd"> = {}): { readonly record: string; readonly files: ReadonlyArray<TrustListing> } => {
  const path = trustFileOf(options);
  const record = recordAt(path);
  const files = Object.entries(record.configs).map(([file, entry]): TrustListing => {
    const base = { file, pluginFiles: Object.keys(entry.plugins), trustedAt: entry.trustedAt };
    let sha: string;
    try { sha = sha256Of(file); } catch { return { ...base, state: "missing", detail: "the file is gone" }; }
    const verdict = judgeConfigFile(record, file, sha);
    if (!verdict.trusted) return { ...base, state: "edited", detail: verdict.reason };
    const plugin = judgePluginFiles(entry, Object.keys(entry.plugins));
    return plugin ? { ...base, state: "plugin changed", detail: plugin } : { ...base, state: "trusted", detail: undefined };
  });
  return { record: path, files };
};
