/** Seeds a supervisor database with recorded jobs, through the supervisor's own schema and row mapping. */
import type { Job } from "../../src/core/job.ts";
import { openDatabase } from "../../src/services/db/open.ts";
import { jobToRow } from "../../src/services/db/rows.ts";

export const endedJob = (i: number, fields: Partial<Job> & Pick<Job, "cwd" | "codexHome">): Job => {
  const createdAt = Date.now() - 30 * 86_400_000 + i * 1000;
  return {
    id: crypto.randomUUID(),
    name: i % 3 === 0 ? `nightly-${i}` : undefined,
    status: (["completed", "killed", "exited", "aborted"] as const)[i % 4]!,
    createdAt,
    endedAt: createdAt + 60_000,
    codexBin: "codex",
    args: ["exec", "--skip-git-repo-check", "-c", `shell_environment_policy.set.CODEX_SUPERVISOR_JOB_ID="${i}"`, "-"],
    python: { kind: "none", source: "none" },
    launcher: { pid: 10_000 + (i % 50_000), startTime: String(1_000_000 + i), bootId: "00000000-0000-0000-0000-000000000000", uid: process.getuid?.() ?? 0 },
    native: { pid: 10_001 + (i % 50_000), startTime: String(1_000_001 + i), bootId: "00000000-0000-0000-0000-000000000000", uid: process.getuid?.() ?? 0 },
    threadId: crypto.randomUUID(),
    rolloutPath: undefined,
    resumedFrom: undefined,
    exitCode: 0,
    killRequestedAt: undefined,
    ...fields,
  };
};

export const seedJobs = (path: string, jobs: Iterable<Job>): number => {
  const { db } = openDatabase(path, Date.now());
  try {
    let n = 0;
    const columns: string[] = [];
    db.transaction(() => {
      for (const job of jobs) {
        const row = jobToRow(job);
        if (columns.length === 0) columns.push(...Object.keys(row));
        db.query(`INSERT INTO jobs (${columns.join(", ")}) VALUES (${columns.map((c) => `$${c}`).join(", ")})`).run(row);
        n++;
      }
    })();
    return n;
  } finally {
    db.close();
  }
};
