/**
 * Removes the cgroups of the jobs recorded in the given databases: what is still in one is the
 * job's (a process that dropped CODEX_HOME with `env -i`), ended with cgroup.kill first. Only the
 * groups these databases name: a machine-wide sweep could take a group another test's `start` has
 * just made and its shell not yet joined (its start would then fail).
 */
import { Database } from "bun:sqlite";
import { existsSync, readdirSync, rmdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

export const removeJobCgroups = async (dbPaths: ReadonlyArray<string>): Promise<void> => {
  for (const dbPath of dbPaths) {
    if (!existsSync(dbPath)) continue;
    let rows: Array<{ cgroup_json: string | null }> = [];
    try {
      const db = new Database(dbPath, { readonly: true });
      try { rows = db.query<{ cgroup_json: string | null }, []>("SELECT cgroup_json FROM jobs WHERE cgroup_json IS NOT NULL").all(); } finally { db.close(); }
    } catch { /* not a supervisor database, or one without jobs' cgroups */ }
    for (const row of rows) {
      const { dirs } = JSON.parse(row.cgroup_json!) as { dirs: string[] };
      try { writeFileSync(join(dirs[0]!, "cgroup.kill"), "1"); } catch { /* gone already, or no cgroup.kill */ }
      for (const dir of dirs) {
        for (let attempt = 0; attempt < 50 && existsSync(dir); attempt++) {
          try { rmdirSync(dir); } catch { await Bun.sleep(20); } // a group goes once its last process is gone
        }
        try { rmdirSync(dirname(dir)); } catch { /* another job's group is there */ }
      }
    }
  }
};

/** Every `*.db` file under a folder: the databases a run made there. */
export const databasesUnder = (root: string): string[] => {
  const found: string[] = [];
  const visit = (at: string) => {
    let entries;
    try { entries = readdirSync(at, { withFileTypes: true }); } catch { return; }
    for (const e of entries) {
      if (e.isDirectory()) visit(join(at, e.name));
      else if (e.isFile() && e.name.endsWith(".db")) found.push(join(at, e.name));
    }
  };
  visit(root);
  return found;
};
