import { Database } from "bun:sqlite";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, test } from "vitest";
import { databaseFacts, judgeDatabase } from "../../../src/app/doctor/database.ts";
import { SCHEMA_VERSION } from "../../../src/services/db/migrations.ts";
import { openDatabase } from "../../../src/services/db/open.ts";
import { needsPermissionErrors, overridesFilePermissions } from "../../support/privilege.ts";

let root: string;
beforeEach(() => { root = mkdtempSync(join(tmpdir(), "cs-doctor-db-")); });
afterEach(() => {
  chmodSync(root, 0o700);
  rmSync(root, { recursive: true, force: true });
});

const uid = process.getuid?.() ?? -1;
const judge = (path: string) => judgeDatabase(databaseFacts(path), uid);

/** A database as the supervisor leaves it: created, migrated, closed. */
const created = () => {
  const path = join(root, "state", "supervisor.db");
  openDatabase(path, Date.now()).db.close();
  return path;
};

test("a database not created yet is reported as such, and doctor does not create it", () => {
  const path = join(root, "state", "supervisor.db");
  const check = judge(path);
  expect(check.status).toBe("ok");
  expect(check.detail).toContain("not created yet");
  expect(existsSync(join(root, "state"))).toBe(false);
});

test("a sound private database is ok with its schema and job count, and nothing is written beside it", () => {
  const path = created();
  const before = readdirSync(join(root, "state")).sort();
  const check = judge(path);
  expect(check).toMatchObject({ status: "ok" });
  expect(check.detail).toContain(`schema ${SCHEMA_VERSION}, 0 jobs, 0 running, integrity ok`);
  expect(readdirSync(join(root, "state")).sort()).toEqual(before);
});

test("a database others can read is a warning with the chmod that fixes it", () => {
  const path = created();
  chmodSync(path, 0o644);
  chmodSync(join(root, "state"), 0o755);
  const check = judge(path);
  expect(check.status).toBe("warn");
  expect(check.detail).toContain("mode 644, not 600");
  expect(check.fix).toBe(`chmod 700 ${join(root, "state")} && chmod 600 ${path}`);
});

test("a database from a newer codex-supervisor fails with: upgrade", () => {
  const path = created();
  const db = new Database(path);
  db.run(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
  db.close();
  const check = judge(path);
  expect(check.status).toBe("fail");
  expect(check.detail).toContain(`schema ${SCHEMA_VERSION + 1}, this version knows ${SCHEMA_VERSION}`);
  expect(check.fix).toBe("upgrade codex-supervisor");
});

test("a file that is not a database fails with how to start afresh", () => {
  mkdirSync(join(root, "state"));
  const path = join(root, "state", "supervisor.db");
  writeFileSync(path, "this is not SQLite, just text long enough to have a header........................................", { mode: 0o600 });
  const check = judge(path);
  expect(check.status).toBe("fail");
  expect(check.fix).toContain(`mv ${path} ${path}.broken`);
});

test.skipIf(overridesFilePermissions)(`a database that could never be created fails naming the folder in the way${needsPermissionErrors}`, () => {
  chmodSync(root, 0o500);
  const check = judge(join(root, "state", "supervisor.db"));
  expect(check.status).toBe("fail");
  expect(check.detail).toContain(`${root} is not writable`);
});
