import { join } from "node:path";
import { entryFor, readTrust, trustFilePath, withEntry, writeTrust } from "../../src/config/trust.ts";

/**
 * Records project config files as trusted exactly as they are, without loading them (what
 * `trust` does minus its check that the file loads): for tests of what a trusted file that
 * does not load, or does not validate, reports.
 */
export const trustAsIs = (files: ReadonlyArray<string>, where: { readonly home: string; readonly env?: Readonly<Record<string, string | undefined>> }): void => {
  const path = trustFilePath({ env: where.env ?? {}, platform: process.platform, home: where.home });
  let record = readTrust(path);
  if ("problem" in record) throw new Error(record.problem);
  for (const file of files) record = withEntry(record, file, entryFor(file, []));
  writeTrust(path, record);
};

/** The trust record a sandbox's CLI (XDG_STATE_HOME set) reads. */
export const sandboxTrustFile = (xdgStateHome: string): string => join(xdgStateHome, "codex-supervisor", "trusted.json");
