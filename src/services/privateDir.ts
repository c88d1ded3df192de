import { chmodSync, mkdirSync, statSync } from "node:fs";
import { sep } from "node:path";

/** A folder that is ours by its name: a `codex-supervisor` folder, or one below it. */
export const isOursByName = (dir: string): boolean => dir.split(sep).includes("codex-supervisor");

/**
 * Makes `dir` (mode 0700) when it is missing. An existing folder is narrowed to 0700 only when it
 * is ours by name and belongs to us: one made by an older version, or by hand. A folder the user
 * pointed us into (`CODEX_SUPERVISOR_DB=/tmp/jobs.db`, a home folder, a shared disk) keeps its
 * mode — chmod'ing /tmp to 0700 locks every other user out of it. Our files in it are 0600.
 */
export const ensurePrivateDir = (dir: string): void => {
  if (mkdirSync(dir, { recursive: true, mode: 0o700 }) !== undefined) return;
  const stat = statSync(dir);
  if (stat.uid !== process.getuid?.() || (stat.mode & 0o077) === 0 || !isOursByName(dir)) return;
  chmodSync(dir, stat.mode & 0o700);
};
