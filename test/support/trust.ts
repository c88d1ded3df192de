import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { pluginFilesOf } from "../../src/config/pluginFiles.ts";
import { ABSENT, entryFor, readTrust, sha256Of, trustFilePath, withEntry, writeTrust } from "../../src/config/trust.ts";

/** The plugin files a JSON config (or package.json's key) names; none for other formats. */
const pluginFilesIn = (file: string): string[] => {
  try {
    const value = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    const own = (basename(file) === "package.json" ? value["codex-supervisor"] : value) as Record<string, unknown> | undefined;
    return pluginFilesOf(own?.plugins, dirname(file));
  } catch {
    return [];
  }
};

/**
 * Records project config files as trusted exactly as they are, without loading them (what
 * `trust` does minus its check that the file loads and its plugin files exist): for tests of
 * what a trusted file that does not load, or does not validate, reports.
 */
export const trustAsIs = (files: ReadonlyArray<string>, where: { readonly home: string; readonly env?: Readonly<Record<string, string | undefined>> }): void => {
  const path = trustFilePath({ env: where.env ?? {}, platform: process.platform, home: where.home });
  let record = readTrust(path);
  if ("problem" in record) throw new Error(record.problem);
  for (const file of files) {
    const plugins = pluginFilesIn(file);
    const entry = entryFor(file, []);
    record = withEntry(record, file, { ...entry, plugins: Object.fromEntries(plugins.map((p) => [p, existsSync(p) ? sha256Of(p) : ABSENT])) });
  }
  writeTrust(path, record);
};

/** The trust record a sandbox's CLI (XDG_STATE_HOME set) reads. */
export const sandboxTrustFile = (xdgStateHome: string): string => join(xdgStateHome, "codex-supervisor", "trusted.json");
