import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { LimitFile } from "../../core/cgroup.ts";

/** The processes in a group and in every group below it. */
export const membersOf = (dir: string): number[] => {
  const pids: number[] = [];
  const visit = (at: string) => {
    let text: string;
    try { text = readFileSync(join(at, "cgroup.procs"), "utf8"); } catch { return; } // gone: no members
    for (const line of text.split("\n")) if (line) pids.push(Number(line));
    let children: string[];
    try { children = readdirSync(at, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name); } catch { return; }
    for (const child of children) visit(join(at, child));
  };
  visit(dir);
  return pids;
};

/**
 * Makes `base` (the shared parent of every job's group) and `base/name`. Another supervisor
 * removing an empty base between the two is answered by making it again.
 */
export const makeGroup = (base: string, name: string, enable: ReadonlyArray<string>): string => {
  const dir = join(base, name);
  for (let attempt = 0; ; attempt++) {
    try {
      mkdirSync(base, { recursive: true });
      // v2: what the job's group may limit is what its parent hands down
      for (const c of enable) writeFileSync(join(base, "cgroup.subtree_control"), `+${c}`);
      mkdirSync(dir);
      return dir;
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code !== "ENOENT" || attempt >= 3) throw cause;
    }
  }
};

export const writeFiles = (dir: string, files: ReadonlyArray<LimitFile>) => {
  for (const [file, value, when] of files) {
    if (when === "where-present" && !existsSync(join(dir, file))) continue;
    writeFileSync(join(dir, file), value);
  }
};

/** Removes an empty group (its empty child groups first) and, when no other job's is left, the shared base. */
export const removeGroup = (dir: string): boolean => {
  const remove = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) if (entry.isDirectory()) remove(join(at, entry.name));
    rmdirSync(at);
  };
  if (!existsSync(dir)) return true;
  try {
    remove(dir);
  } catch {
    return false; // a process still in it (EBUSY), or one we may not remove
  }
  try { rmdirSync(dirname(dir)); } catch { /* another job's group is there */ }
  return true;
};

/** Writes one control file, saying whether the kernel took it. */
export const tryWrite = (path: string, value: string): boolean => {
  try {
    writeFileSync(path, value);
    return true;
  } catch {
    return false;
  }
};
