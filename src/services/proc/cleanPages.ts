import { readFileSync } from "node:fs";
import { openLibc } from "./libc.ts";

// Starting Bun, parsing the bundle and loading a config touch megabytes of the Bun binary's code
// and read-only data. Those pages stay mapped, and counted in the process's RSS, for as long as
// the process lives, though a watchdog between ticks runs a small part of that code. They are
// clean copies of the file: dropping them from this process (madvise MADV_DONTNEED) loses
// nothing, the page cache keeps them, and a page touched again comes back with a minor fault.
// Only mappings that provably hold nothing but such copies are dropped: file-backed, not
// writable, no private dirty page, no anonymous page (a read-only page written before an
// mprotect, like a relocated GOT, is private dirty, and those mappings are left alone).

const MADV_DONTNEED = 4;

interface Mapping {
  readonly start: bigint;
  readonly end: bigint;
  readonly droppable: boolean;
  rssKb: number;
  privateDirtyKb: number;
  anonymousKb: number;
}

/** The mappings of /proc/self/smaps that could be dropped, with the counters that decide it. */
export const parseSmaps = (text: string): Mapping[] => {
  const maps: Mapping[] = [];
  let current: Mapping | undefined;
  for (const line of text.split("\n")) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ (\d+)\s*(.*)$/.exec(line);
    if (head) {
      const [, start, end, perms, inode, path] = head;
      current = {
        start: BigInt(`0x${start}`),
        end: BigInt(`0x${end}`),
        droppable: inode !== "0" && path!.startsWith("/") && !perms!.includes("w") && perms!.endsWith("p"),
        rssKb: 0,
        privateDirtyKb: -1,
        anonymousKb: -1,
      };
      maps.push(current);
      continue;
    }
    const field = /^(Rss|Private_Dirty|Anonymous):\s+(\d+) kB/.exec(line);
    if (field && current) {
      const kb = Number(field[2]);
      if (field[1] === "Rss") current.rssKb = kb;
      else if (field[1] === "Private_Dirty") current.privateDirtyKb = kb;
      else current.anonymousKb = kb;
    }
  }
  return maps.filter((m) => m.droppable && m.rssKb > 0 && m.privateDirtyKb === 0 && m.anonymousKb === 0);
};

type Madvise = (start: bigint, length: bigint, advice: number) => number;
let madvise: Madvise | null | undefined;
const loadMadvise = (): Madvise | null => {
  if (madvise !== undefined) return madvise;
  const libc = openLibc(({ FFIType }) => ({ madvise: { args: [FFIType.u64, FFIType.u64, FFIType.i32], returns: FFIType.i32 } }));
  madvise = libc ? (start, length, advice) => libc.lib.symbols.madvise(start, length, advice) : null;
  return madvise;
};

/**
 * Drops this process's clean file-backed pages (see above); returns how many kB were resident
 * in the mappings dropped. Linux under Bun only; anywhere else, or on any failure, does nothing.
 */
export const releaseCleanFilePages = (): number => {
  try {
    const advise = loadMadvise();
    if (!advise) return 0;
    let released = 0;
    for (const m of parseSmaps(readFileSync("/proc/self/smaps", "latin1"))) {
      if (advise(m.start, m.end - m.start, MADV_DONTNEED) === 0) released += m.rssKb;
    }
    return released;
  } catch {
    return 0;
  }
};
