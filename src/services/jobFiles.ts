import { closeSync, fstatSync, ftruncateSync, openSync, readSync, rmSync, statSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { ensurePrivateDir } from "./privateDir.ts";
import { openLibc } from "./proc/libc.ts";
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

const FALLOC_FL_COLLAPSE_RANGE = 0x08;
let fallocate: ((fd: number, mode: number, offset: number, length: number) => number) | null | undefined;
/** fallocate(2) through the C library; null off Linux (or without bun:ffi). */
const fallocateFn = () => (fallocate ??= (() => {
  const libc = openLibc((ffi) => ({ fallocate: { args: [ffi.FFIType.i32, ffi.FFIType.i32, ffi.FFIType.i64, ffi.FFIType.i64], returns: ffi.FFIType.i32 } }));
  return libc ? (fd: number, mode: number, offset: number, length: number) => libc.lib.symbols.fallocate(fd, mode, offset, length) : null;
})());

/** Reads `[from, to)` of an open file. */
const readRange = (fd: number, from: number, to: number): Buffer => {
  const buffer = Buffer.alloc(Math.max(0, to - from));
  const n = readSync(fd, buffer, 0, buffer.length, from);
  return buffer.subarray(0, n);
};

/**
 * Cuts an output file over OUTPUT_CAP_BYTES to about its last OUTPUT_KEEP_BYTES, in place, while
 * Codex may still be appending to it (O_APPEND: its next write lands at the new end). On Linux
 * filesystems that can (ext4, xfs) the head is dropped by fallocate's COLLAPSE_RANGE, whole blocks,
 * which the kernel orders with every append: nothing written is lost, and the first kept line may
 * begin mid-line (test/services/jobFiles.test.ts: a shell loop appending 60,000 lines while the file
 * is trimmed every millisecond loses none). Elsewhere (tmpfs, macOS) the tail is copied to the start,
 * from a line start, with whatever was appended meanwhile read again just before the truncate: a write
 * landing between that last look and the truncate (tens of µs) is lost — the same shell loop loses
 * lines there; Codex, writing a log line now and then, rarely would. (Copying without the last look
 * lost thousands of lines of a chatty job under load: test/real/jobOutput.test.ts.)
 */
export const trimOutput = (path: string): boolean => {
  let fd: number;
  try { fd = openSync(path, "r+"); } catch { return false; }
  try {
    const stat = fstatSync(fd);
    const size = stat.size;
    if (size <= OUTPUT_CAP_BYTES) return false;
    const block = Number(stat.blksize) || 4096;
    const cut = Math.floor((size - OUTPUT_KEEP_BYTES) / block) * block;
    if (cut > 0 && fallocateFn()?.(fd, FALLOC_FL_COLLAPSE_RANGE, 0, cut) === 0) return true;
    const tail = readRange(fd, size - OUTPUT_KEEP_BYTES, size);
    const from = tail.indexOf(10) + 1;
    let kept = tail.subarray(from > 0 && from < tail.length ? from : 0);
    let end = size;
    // appended during a write: taken too, and written again (a few rounds: a writer never quiet keeps its window)
    for (let round = 0; round < 8; round++) {
      const now = fstatSync(fd).size;
      if (now > end) { kept = Buffer.concat([kept, readRange(fd, end, now)]); end = now; }
      writeSync(fd, kept, 0, kept.length, 0);
      if (fstatSync(fd).size === end) break;
    }
    ftruncateSync(fd, kept.length);
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
