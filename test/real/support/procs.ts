/**
 * What the end-to-end tests read of processes to check what the supervisor did, on Linux from /proc
 * and elsewhere (macOS) from `ps`: independent of the supervisor's own process table either way.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

const onLinux = process.platform === "linux";

const ps = (args: ReadonlyArray<string>): string => {
  try {
    return execFileSync("ps", [...args], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], env: { ...process.env, LC_ALL: "C" } });
  } catch {
    return "";
  }
};

/** A process's environment as text in which `NAME=value` can be looked for (`hasVariable`); undefined when it is gone. */
const environText = (pid: number): string | undefined => {
  if (onLinux) {
    try { return `\0${readFileSync(`/proc/${pid}/environ`, "utf8")}`; } catch { return undefined; }
  }
  const text = ps(["-E", "-ww", "-o", "args=", "-p", String(pid)]);
  return text === "" ? undefined : ` ${text.trim()} `;
};

/** Does the process's environment hold NAME=value (value: exactly, or any with `undefined`)? */
export const hasVariable = (pid: number, name: string, value?: string): boolean => {
  const text = environText(pid);
  if (text === undefined) return false;
  const sep = onLinux ? "\0" : " ";
  return value === undefined ? text.includes(`${sep}${name}=`) : text.includes(`${sep}${name}=${value}${sep}`) || text.endsWith(`${sep}${name}=${value}`);
};

/** PIDs of every live process but this one whose environment holds NAME=value. */
export const pidsWithVariable = (name: string, value: string): number[] => {
  const pids = onLinux
    ? readdirSync("/proc").filter((d) => /^\d+$/.test(d)).map(Number)
    : ps(["-A", "-o", "pid="]).split("\n").map((l) => Number(l.trim())).filter((n) => n > 0);
  return pids.filter((pid) => pid !== process.pid && hasVariable(pid, name, value));
};

/** A process's command line, its arguments joined by spaces (each followed by one); "" when it is gone. */
export const commandOf = (pid: number): string => {
  if (onLinux) {
    try { return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " "); } catch { return ""; }
  }
  const text = ps(["-ww", "-o", "args=", "-p", String(pid)]).trim();
  return text === "" ? "" : `${text} `;
};

const statField = (pid: number): { state: string; ppid: number } | undefined => {
  if (onLinux) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      return { state: rest[0]!, ppid: Number(rest[1]) };
    } catch {
      return undefined;
    }
  }
  const m = /^\s*(\S+)\s+(\d+)/.exec(ps(["-o", "state=,ppid=", "-p", String(pid)]));
  return m ? { state: m[1]!.charAt(0), ppid: Number(m[2]) } : undefined;
};

/** Is this exact PID alive and not a zombie? */
export const isAlive = (pid: number): boolean => {
  const s = statField(pid);
  return s !== undefined && s.state !== "Z";
};

/** The parent's PID; -1 when the process is gone. */
export const ppidOf = (pid: number): number => statField(pid)?.ppid ?? -1;
