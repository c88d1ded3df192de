/**
 * A real unprivileged user for the cases that need another user's process. Tests and
 * CI run as root, so the user is created when missing (useradd, system account, no
 * home, no login shell) and commands run as it through setpriv (exec, same PID),
 * else runuser, else su.
 */
import { execFileSync } from "node:child_process";

export const OTHER_USER = "cs-adversary";

export type OtherUser =
  | { readonly ok: true; readonly name: string; readonly uid: number; readonly gid: number; readonly via: string; readonly argv: (cmd: ReadonlyArray<string>) => string[] }
  | { readonly ok: false; readonly reason: string };

const which = (cmd: string): string | undefined => Bun.which(cmd, { PATH: `${process.env.PATH ?? ""}:/usr/sbin:/sbin:/usr/bin:/bin` }) ?? undefined;
const idOf = (flag: "-u" | "-g"): number | undefined => {
  try { return Number(execFileSync("id", [flag, OTHER_USER], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim()); } catch { return undefined; }
};
const shellQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

let cached: OtherUser | undefined;

export const otherUser = (): OtherUser => {
  if (cached) return cached;
  if (process.getuid?.() !== 0) return (cached = { ok: false, reason: "not running as root: cannot create or become another user" });
  if (idOf("-u") === undefined) {
    const useradd = which("useradd");
    if (!useradd) return (cached = { ok: false, reason: "no such user and no useradd to create it" });
    try {
      execFileSync(useradd, ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", OTHER_USER], { stdio: "ignore" });
    } catch (cause) {
      if (idOf("-u") === undefined) return (cached = { ok: false, reason: `useradd failed: ${String(cause)}` });
    }
  }
  const uid = idOf("-u")!;
  const gid = idOf("-g")!;
  const setpriv = which("setpriv");
  const runuser = which("runuser");
  const su = which("su");
  if (setpriv) return (cached = { ok: true, name: OTHER_USER, uid, gid, via: "setpriv", argv: (cmd) => [setpriv, `--reuid=${uid}`, `--regid=${gid}`, "--clear-groups", ...cmd] });
  if (runuser) return (cached = { ok: true, name: OTHER_USER, uid, gid, via: "runuser", argv: (cmd) => [runuser, "-u", OTHER_USER, "--", ...cmd] });
  if (su) return (cached = { ok: true, name: OTHER_USER, uid, gid, via: "su", argv: (cmd) => [su, "-s", "/bin/sh", OTHER_USER, "-c", `exec ${cmd.map(shellQuote).join(" ")}`] });
  return (cached = { ok: false, reason: "none of setpriv, runuser, su found" });
};
