/**
 * The supervisor makes its own folders private, and only its own: a database the user put in a
 * shared folder (`CODEX_SUPERVISOR_DB=/tmp/jobs.db`) must leave that folder's mode alone. Found
 * when a run left /tmp at 0700 (sticky bit gone), which locked every other user out of /tmp.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { ensurePrivateDir } from "../../src/services/privateDir.ts";
import { runCli } from "../adversarial/support/cli.ts";

const root = mkdtempSync(join(tmpdir(), "cs-private-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const modeOf = (path: string) => statSync(path).mode & 0o7777;

describe("ensurePrivateDir", () => {
  test("a missing folder is made 0700", () => {
    const dir = join(root, "made", "codex-supervisor");
    ensurePrivateDir(dir);
    expect(modeOf(dir)).toBe(0o700);
  });

  test("an existing folder of ours by name is narrowed to 0700", () => {
    const dir = join(root, "old", "codex-supervisor", "jobs");
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o755);
    ensurePrivateDir(dir);
    expect(modeOf(dir)).toBe(0o700);
  });

  test("an existing folder the user named keeps its mode, sticky bit and all", () => {
    const shared = join(root, "shared");
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    ensurePrivateDir(shared);
    expect(modeOf(shared)).toBe(0o1777);
  });
});

describe("through the CLI", () => {
  test("list with the database in a shared folder leaves the folder 1777 and makes the database 0600", async () => {
    const shared = join(root, "tmp-like");
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    const db = join(shared, "jobs.db");
    const env = { ...(process.env as Record<string, string>), XDG_CONFIG_HOME: join(root, "xdg"), XDG_STATE_HOME: join(root, "state"), CODEX_SUPERVISOR_DB: db };
    const r = await runCli(["list", "--json"], env, { cwd: root });
    expect(r.code, r.stderr).toBe(0);
    expect(modeOf(shared)).toBe(0o1777);
    expect(modeOf(db)).toBe(0o600);
    const doctor = await runCli(["doctor", "--json"], env, { cwd: root });
    // doctor never advises chmod'ing a folder that is not the supervisor's own
    expect(doctor.stdout).not.toContain(`chmod 700 ${shared}`);
  });
});
