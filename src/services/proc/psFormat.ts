import type { ProcessInfo, ProcessStatus } from "../../core/process.ts";

// The text formats the portable backend reads: `ps`, `lsof -F` and `sysctl kern.boottime`, as
// procps (Linux) and BSD ps (macOS) print them. Pure: the fixtures in test/services/proc/ are
// these commands' documented output on both systems.

/** The columns of a snapshot, fixed-width ones first: the command line, which may hold anything, is last. */
export const PS_COLUMNS = "pid=,ppid=,pgid=,uid=,state=,rss=,time=,lstart=,args=";
/** The same for one process's status: its command name last, in place of the line. */
export const PS_STATUS_COLUMNS = "pid=,ppid=,pgid=,uid=,state=,rss=,time=,lstart=,comm=";

/** `ps` prints the environment after the command line with `e` (procps) or `-E` (BSD, macOS). */
export const psEnvironmentFlag = (platform: NodeJS.Platform): string => (platform === "linux" ? "e" : "-E");

/** CPU time as ps prints it, `[[dd-]hh:]mm:ss[.cc]` (macOS: minutes past 59 too), in ms. */
export const parseCpuTime = (text: string): number => {
  const dash = text.indexOf("-");
  const days = dash > 0 ? Number(text.slice(0, dash)) : 0;
  const parts = text.slice(dash + 1).split(":").map(Number).reverse();
  const seconds = (parts[0] ?? 0) + (parts[1] ?? 0) * 60 + (parts[2] ?? 0) * 3600 + days * 86_400;
  return Number.isFinite(seconds) ? Math.round(seconds * 1000) : 0;
};

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** `lstart` (`Sun Dec  6 17:17:24 2026`, local time, whole seconds) in epoch ms; 0 when unreadable. */
export const parseLstart = (month: string, day: string, time: string, year: string): number => {
  const [h, m, s] = time.split(":").map(Number);
  const at = new Date(Number(year), MONTHS.indexOf(month), Number(day), h, m, s).getTime();
  return Number.isNaN(at) || MONTHS.indexOf(month) < 0 ? 0 : at;
};

/**
 * A command line as ps prints it (the arguments joined by spaces) back into arguments. An
 * argument that held a space is split there; a path is put back together where the pieces
 * joined name a file and the first alone does not (`/Users/me/Library/Application Support/…`).
 */
export const splitCommand = (text: string, exists: (path: string) => boolean): string[] => {
  const words = text.split(" ");
  const argv: string[] = [];
  for (let i = 0; i < words.length; i++) {
    let word = words[i]!;
    if ((word.startsWith("/") || word.startsWith("~/")) && i + 1 < words.length && !exists(word)) {
      for (let j = i + 1, joined = word; j < words.length && j - i <= 8; j++) {
        joined += ` ${words[j]}`;
        if (exists(joined)) {
          word = joined;
          i = j;
          break;
        }
      }
    }
    argv.push(word);
  }
  // a trailing space, or a run of them, is no argument of its own
  while (argv.length > 1 && argv.at(-1) === "") argv.pop();
  return argv;
};

/** The name the kernel gives a process, from its program: the last part of argv[0] (`[kthreadd]`: kthreadd). */
const nameOf = (argv0: string): string => {
  const bracketed = /^\[(.*)\]$/.exec(argv0);
  if (bracketed) return bracketed[1]!;
  return argv0.slice(argv0.lastIndexOf("/") + 1);
};

const ROW = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(\d+)\s+(\S+)\s+\w{3}\s+(\w{3})\s+(\d{1,2})\s+(\d\d:\d\d:\d\d)\s+(\d{4}) ?(.*)$/;

/** The fixed columns of a `PS_COLUMNS` or `PS_STATUS_COLUMNS` row, and the free text after them. */
const parseRow = (line: string): { status: Omit<ProcessStatus, "name">; rest: string } | undefined => {
  const m = ROW.exec(line);
  if (!m) return undefined;
  const startedAt = parseLstart(m[8]!, m[9]!, m[10]!, m[11]!);
  return {
    status: {
      pid: Number(m[1]),
      ppid: Number(m[2]),
      pgid: Number(m[3]),
      // neither ps names the session portably (macOS's `sess` is a kernel address): the group stands in
      sid: Number(m[3]),
      uid: Number(m[4]),
      // whole seconds: see docs/platforms.md for what makes up for it
      startTime: String(startedAt),
      startedAt,
      state: m[5]!.charAt(0),
      rssBytes: Number(m[6]) * 1024,
      cpuTimeMs: parseCpuTime(m[7]!),
    },
    rest: m[12] ?? "",
  };
};

/** A snapshot row: one process, with the command line as printed (`command`) for the environment read to strip. */
export const parsePsRow = (line: string, exists: (path: string) => boolean): (ProcessInfo & { readonly command: string }) | undefined => {
  const row = parseRow(line);
  if (!row) return undefined;
  const command = row.rest;
  // a zombie has no command line: procps shows `[name] <defunct>`, macOS `(name)`
  const zombie = row.status.state === "Z" || /^\(.*\)$/.test(command) || command.endsWith(" <defunct>");
  const kernel = /^\[.*\]$/.test(command);
  const argv = zombie || kernel || command === "" ? [] : splitCommand(command, exists);
  const shown = zombie ? command.replace(/ <defunct>$/, "").replace(/^\((.*)\)$/, "$1") : command;
  return { ...row.status, name: nameOf(argv[0] ?? shown.split(" ")[0] ?? "").slice(0, 15), argv, command };
};

/** A `PS_STATUS_COLUMNS` row: the process's status, its name from `comm` (a path on macOS). */
export const parsePsStatus = (line: string): ProcessStatus | undefined => {
  const row = parseRow(line);
  if (!row) return undefined;
  return { ...row.status, name: nameOf(row.rest.trim()).slice(0, 15) };
};

const VARIABLE = /^[A-Za-z_][A-Za-z0-9_]*=/;

/**
 * The environment from a row of `ps … e`/`ps -E`: the text after the command line the snapshot
 * read (`command`), `NAME=value` words, a value's own spaces kept. Undefined when the row does
 * not begin with that command line (the process exec'd since: its environment is not told).
 */
export const parseEnvironment = (text: string, command: string): Map<string, string> | undefined => {
  if (!text.startsWith(command)) return undefined;
  const env = new Map<string, string>();
  const tail = text.slice(command.length);
  if (tail.trim() === "") return env;
  const words = tail.slice(1).split(" ");
  // more command line than the snapshot read: the process exec'd since
  if (!tail.startsWith(" ") || !VARIABLE.test(words[0]!)) return undefined;
  let name: string | undefined;
  for (const word of words) {
    if (VARIABLE.test(word)) {
      const eq = word.indexOf("=");
      name = word.slice(0, eq);
      env.set(name, word.slice(eq + 1));
    } else if (name !== undefined) env.set(name, `${env.get(name)} ${word}`);
  }
  return env;
};

/** A row of `ps -o pid=,args= e`: its PID and the rest as printed. */
export const parsePidAndText = (line: string): { pid: number; text: string } | undefined => {
  const m = /^\s*(\d+) (.*)$/.exec(line);
  return m ? { pid: Number(m[1]), text: m[2]! } : undefined;
};

export interface OpenFilesOf {
  cwd: string | undefined;
  /** What the numbered descriptors name, as /proc/PID/fd does. */
  readonly files: string[];
}

/** `lsof -F pfn` (the same on Linux and macOS): `p` starts a process, `f` a descriptor, `n` its name. */
export const parseLsof = (text: string): Map<number, OpenFilesOf> => {
  const out = new Map<number, OpenFilesOf>();
  let current: OpenFilesOf | undefined;
  let fd = "";
  for (const line of text.split("\n")) {
    const value = line.slice(1);
    switch (line.charAt(0)) {
      case "p":
        current = { cwd: undefined, files: [] };
        out.set(Number(value), current);
        break;
      case "f":
        fd = value;
        break;
      case "n":
        if (!current) break;
        if (fd === "cwd") current.cwd = value;
        else if (/^\d+$/.test(fd)) current.files.push(value.replace(/ \((deleted|readlink: .*)\)$/, ""));
        break;
    }
  }
  return out;
};

/** `sysctl -n kern.boottime` (`{ sec = 1733476644, usec = 523041 } Fri Dec  6 …`): the boot, as an id. */
export const parseBoottime = (text: string): string | undefined => {
  const m = /sec\s*=\s*(\d+),\s*usec\s*=\s*(\d+)/.exec(text);
  return m ? `boot-${m[1]}.${m[2]!.padStart(6, "0")}` : undefined;
};
