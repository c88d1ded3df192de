import { constants } from "node:os";
import { openLibc } from "./libc.ts";

// The kernel's side of a signal. On Linux (5.3 and later) a signal goes through a pidfd: a
// handle on one process, not on a number. Opened before the identity check, it names the
// process that check then reads, or one already gone (the PID reused in between): a signal
// sent through it reaches that process or no one, never a later holder of the PID.
// Elsewhere, and on kernels without pidfds, kill(2) it is, with the check just before it.

/** A failed system call: its errno's name (ESRCH, EPERM …). */
export class KernelError extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

const SYS_PIDFD_SEND_SIGNAL = 424; // the same number on every architecture since Linux 5.1
const SYS_PIDFD_OPEN = 434;
const ERRNO: Record<number, string> = { 1: "EPERM", 3: "ESRCH", 9: "EBADF", 22: "EINVAL", 24: "EMFILE", 38: "ENOSYS" };

interface Native {
  readonly syscall: (nr: number, a: number, b: number, c: number, d: number) => number;
  readonly close: (fd: number) => number;
  readonly errno: () => string;
}

let native: Native | null | undefined;
const loadNative = (): Native | null => {
  if (native !== undefined) return native;
  const libc = openLibc(({ FFIType }) => ({
    syscall: { args: [FFIType.i64, FFIType.i64, FFIType.i64, FFIType.i64, FFIType.i64], returns: FFIType.i64_fast },
    close: { args: [FFIType.i32], returns: FFIType.i32 },
    __errno_location: { args: [], returns: FFIType.ptr },
  }));
  if (!libc) return (native = null);
  const { lib, ffi: { read } } = libc;
  native = {
    syscall: (nr, a, b, c, d) => Number(lib.symbols.syscall(nr, a, b, c, d)),
    close: (fd) => lib.symbols.close(fd),
    errno: () => {
      const at = lib.symbols.__errno_location();
      const n = at ? read.i32(at) : -1;
      return ERRNO[n] ?? `errno ${n}`;
    },
  };
  return native;
};

let pidfdsWork: boolean | undefined;

const signalNumber = (signal: NodeJS.Signals): number => {
  const n = constants.signals[signal];
  if (n === undefined) throw new KernelError("EINVAL");
  return n;
};

/**
 * What reaches the machine. The one place a signal leaves this program: tests replace these
 * members to watch, or to stop, what would be sent (a fake machine, a dry run).
 */
export const kernel = {
  /**
   * A pidfd on the process that holds `pid` now; undefined where the system has no pidfds
   * (not Linux, not Bun, a kernel before 5.3), so the caller uses `kill`. Throws KernelError
   * (ESRCH: no such process).
   */
  pidfdOpen(pid: number): number | undefined {
    if (pidfdsWork === false) return undefined;
    const lib = loadNative();
    if (!lib) {
      pidfdsWork = false;
      return undefined;
    }
    const fd = lib.syscall(SYS_PIDFD_OPEN, pid, 0, 0, 0);
    if (fd >= 0) {
      pidfdsWork = true;
      return fd;
    }
    const code = lib.errno();
    if (code === "ENOSYS" && pidfdsWork === undefined) {
      pidfdsWork = false;
      return undefined;
    }
    throw new KernelError(code);
  },
  /** pidfd_send_signal(2) through a pidfd from `pidfdOpen`; `pid` only names it. Throws KernelError. */
  pidfdSend(fd: number, _pid: number, signal: NodeJS.Signals): void {
    const lib = loadNative()!;
    if (lib.syscall(SYS_PIDFD_SEND_SIGNAL, fd, signalNumber(signal), 0, 0) !== 0) throw new KernelError(lib.errno());
  },
  close(fd: number): void {
    loadNative()?.close(fd);
  },
  /** kill(2) to one PID, whichever process holds it now. Throws KernelError. */
  kill(pid: number, signal: NodeJS.Signals): void {
    try {
      process.kill(pid, signal);
    } catch (cause) {
      throw new KernelError((cause as NodeJS.ErrnoException).code ?? String(cause));
    }
  },
};
