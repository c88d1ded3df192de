import { closeSync, constants, fstatSync, ftruncateSync, openSync, readFileSync, statSync, writeSync } from "node:fs";

// flock(2): held by the open file, released by the kernel when the holder exits however it exits,
// so a crashed watchdog never blocks another; a second open of the file cannot take it meanwhile.
const LOCK_EX = 2;
const LOCK_NB = 4;

type Flock = (fd: number, operation: number) => number;
let flock: Flock | null | undefined;
const loadFlock = (): Flock | null => {
  if (flock !== undefined) return flock;
  flock = null;
  if (typeof Bun === "undefined") return flock;
  const { dlopen, FFIType } = require("bun:ffi") as typeof import("bun:ffi");
  const names = process.platform === "darwin"
    ? ["libSystem.B.dylib", "/usr/lib/libSystem.B.dylib"]
    : ["libc.so.6", "libc.musl-x86_64.so.1", "libc.musl-aarch64.so.1", "libc.so"];
  for (const name of names) {
    try {
      const lib = dlopen(name, { flock: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 } });
      flock = (fd, operation) => lib.symbols.flock(fd, operation);
      break;
    } catch {
      // not this libc
    }
  }
  return flock;
};

/** The lock file beside a database: whoever holds its flock is the one watchdog acting on that database. */
export const leasePath = (dbPath: string) => `${dbPath}.watchdog-lock`;

export interface Lease {
  /** Whether the lock file at the path is still the one this lease holds (the state directory may be cleared). */
  readonly current: () => boolean;
  readonly release: () => void;
}

export type LeaseAttempt =
  | { readonly _tag: "Held"; readonly lease: Lease }
  /** Another live process holds it; its pid as it wrote it in the file. */
  | { readonly _tag: "Busy"; readonly holder: number | undefined };

const holderOf = (path: string): number | undefined => {
  try {
    const pid = Number.parseInt(readFileSync(path, "utf8"), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
};

/**
 * Tries, without waiting, to become the watchdog acting on the database at `dbPath`. Where flock
 * cannot be had (no FFI), every watchdog acts, as before; the per-firing claims still keep a
 * firing from running twice.
 */
export const tryLease = (dbPath: string): LeaseAttempt => {
  const path = leasePath(dbPath);
  const fd = openSync(path, constants.O_RDWR | constants.O_CREAT, 0o600);
  const lock = loadFlock();
  if (lock && lock(fd, LOCK_EX | LOCK_NB) !== 0) {
    closeSync(fd);
    return { _tag: "Busy", holder: holderOf(path) };
  }
  ftruncateSync(fd, 0);
  writeSync(fd, `${process.pid}\n`, 0);
  const held = fstatSync(fd);
  let open = true;
  return {
    _tag: "Held",
    lease: {
      current: () => {
        const now = statSync(path, { throwIfNoEntry: false });
        return now !== undefined && now.dev === held.dev && now.ino === held.ino;
      },
      release: () => {
        if (!open) return;
        open = false;
        closeSync(fd);
      },
    },
  };
};
