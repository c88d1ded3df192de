/**
 * The directory the CLI was run in, which may have been removed under the shell that ran it (a
 * deleted git worktree). Then `process.cwd()` throws, in our code and in any library that calls
 * it, so the CLI moves to `/` once at start and remembers what was gone: the commands that only
 * read or end jobs go on with the config found from the home directory (the global one, as for
 * `watch`); those that need the directory say that it no longer exists.
 */
import { readlinkSync } from "node:fs";
import { homedir } from "node:os";
import { isAbsolute } from "node:path";
import { UsageError } from "../core/errors.ts";

let gone: string | undefined;

/** Where the removed directory was: the kernel's name for it, else the shell's $PWD. */
const removedPath = (): string => {
  try {
    return readlinkSync("/proc/self/cwd").replace(/ \(deleted\)$/, "");
  } catch {
    return process.env.PWD ?? "(its name unknown)";
  }
};

/** Called once before any command runs. */
export const settleWorkingDir = (): void => {
  try {
    process.cwd();
  } catch {
    gone = removedPath();
    process.chdir("/");
  }
};

const goneError = (what: string, advice: string) =>
  new UsageError({ message: `${what}the current directory ${gone} no longer exists (was it removed?): ${advice}` });

/** The directory to run in, for a command that needs it (`start`, `config`, `doctor`): an error when it was removed. */
export const requireWorkingDir = (): string => {
  if (gone !== undefined) throw goneError("", "cd to one that exists, or give --cwd DIR");
  return process.cwd();
};

/** Where a command that does not need its directory looks for its config: here, or home when here was removed. */
export const configSearchDir = (): string => (gone === undefined ? process.cwd() : homedir());

/** A path given on the command line is read from the current directory: refused when that was removed and the path is relative. */
export const checkPathOption = (option: string, value: unknown): void => {
  if (gone !== undefined && typeof value === "string" && !isAbsolute(value)) {
    throw goneError(`--${option} ${value} is a relative path, and `, "give an absolute path, or cd to a directory that exists");
  }
};
