import { closeSync, fstatSync, ftruncateSync, openSync, readSync, rmSync, statSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { ensurePrivateDir } from "./privateDir.ts";
import { JOB_FILES, OUTPUT_CAP_BYTES, OUTPUT_KEEP_BYTES } from "../core/waiter.ts";

/** The folder holding every job's files: `jobs/` beside the database. */
export const jobFilesRoot = (dbPath: string): string => join(dirname(dbPath), "jobs");

export interface JobFilePaths {
  readonly dir: string;
  readonly stdout: string;
  readonly stderr: string;
  readonly exit: string;
}

export const jobFilePaths = (dir: string): JobFilePaths => ({
  dir,
  stdout: join(dir, JOB_FILES.stdout),
  stderr: join(dir, JOB_FILES.stderr),
  exit: join(dir, JOB_FILES.exit),
});

/** Makes the job's folder (0700, in a 0700 `jobs/`) and its empty output files (0600), before the launch. */
export const prepareJobFiles = (dir: string): JobFilePaths => {
  ensurePrivateDir(dirname(dir));
  ensurePrivateDir(dir);
  const paths = jobFilePaths(dir);
  for (const file of [paths.stdout, paths.stderr]) closeSync(openSync(file, "a", 0o600));
  return paths;
};

export type ExitRecord =
  /** The waiter wrote Codex's exit status; `at` is when (the file's mtime): the job's end. */
  | { readonly _tag: "Exited"; readonly code: number; readonly at: number }
  /** The job has a folder but no exit status yet: Codex runs, or the waiter has not written it yet (or never will). */
  | { readonly _tag: "Pending" }
  /** No folder: a job launched without a waiter (by an older version). */
  | { readonly _tag: "NoWaiter" };

const PENDING: ExitRecord = { _tag: "Pending" };
const NO_WAITER: ExitRecord = { _tag: "NoWaiter" };

const readSmall = (path: string, max: number): { text: string; mtimeMs: number } | undefined => {
  let fd: number;
  try { fd = openSync(path, "r"); } catch { return undefined; }
  try {
    const buffer = Buffer.alloc(max);
    const n = readSync(fd, buffer, 0, max, 0);
    return { text: buffer.toString("utf8", 0, n), mtimeMs: fstatSync(fd).mtimeMs };
  } finally {
    closeSync(fd);
  }
};

export const readExit = (dir: string): ExitRecord => {
  const read = readSmall(join(dir, JOB_FILES.exit), 32);
  if (read) {
    // an empty file is one the waiter is writing this very moment
    const code = /^\d+\n/.exec(read.text) ? Number.parseInt(read.text, 10) : undefined;
    if (code !== undefined) return { _tag: "Exited", code, at: Math.round(read.mtimeMs) };
    return PENDING;
  }
  try {
    statSync(dir);
    return PENDING;
  } catch {
    return NO_WAITER;
  }
};

/** The last `max` bytes of a file, from a line start when the file is longer (the cut line is dropped). */
export const readTail = (path: string, max: number): string | undefined => {
  let fd: number;
  try { fd = openSync(path, "r"); } catch { return undefined; }
  try {
    const size = fstatSync(fd).size;
    const start = Math.max(0, size - max);
    const buffer = Buffer.alloc(size - start);
    const n = readSync(fd, buffer, 0, buffer.length, start);
    let text = buffer.toString("utf8", 0, n);
    if (start > 0) text = text.slice(text.indexOf("\n") + 1);
    return text;
  } finally {
    closeSync(fd);
  }
};

/**
 * Cuts an output file over OUTPUT_CAP_BYTES to its last OUTPUT_KEEP_BYTES, from a line start, in
 * place: Codex appends to it (O_APPEND), so its next write lands after the kept tail. What Codex
 * writes between the read and the truncate (microseconds) is lost; a rename would lose the rest.
 */
export const trimOutput = (path: string): boolean => {
  let fd: number;
  try { fd = openSync(path, "r+"); } catch { return false; }
  try {
    const size = fstatSync(fd).size;
    if (size <= OUTPUT_CAP_BYTES) return false;
    const buffer = Buffer.alloc(OUTPUT_KEEP_BYTES);
    const n = readSync(fd, buffer, 0, OUTPUT_KEEP_BYTES, size - OUTPUT_KEEP_BYTES);
    const from = buffer.indexOf(10) + 1;
    const tail = buffer.subarray(from > 0 && from < n ? from : 0, n);
    writeSync(fd, tail, 0, tail.length, 0);
    ftruncateSync(fd, tail.length);
    return true;
  } finally {
    closeSync(fd);
  }
};

/** Trims both output files of a job's folder (a stat each when under the cap). */
export const trimJobOutput = (dir: string): void => {
  const paths = jobFilePaths(dir);
  trimOutput(paths.stdout);
  trimOutput(paths.stderr);
};

export const removeJobFiles = (dir: string): void => rmSync(dir, { recursive: true, force: true });
