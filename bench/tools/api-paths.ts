/**
 * What each path of the programmatic API costs: in process (Bun: the app layer on one database
 * handle) against through the CLI (what Node uses: one `codex-supervisor … --json` per call).
 * Real Codex against the loopback model, in a throw-away sandbox.
 *
 *   bun bench/tools/api-paths.ts [ROUNDS]
 */
import { join } from "node:path";
import { createCliSupervisor } from "../../src/api/client.ts";
import { createInProcessSupervisor } from "../../src/api/supervisor.ts";
import type { Supervisor } from "../../src/api/types.ts";
import { createSandbox } from "../../test/real/support/harness.ts";

const rounds = Number(process.argv[2] ?? 5);
const sb = createSandbox();
sb.writeGlobalConfig({ codex: { args: ["--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox"] } });
Object.assign(process.env, sb.env);
const project = sb.project("bench");
const options = { cwd: project, database: sb.dbPath, codexHome: sb.codexHome };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const time = async (f: () => Promise<unknown>) => { const t = performance.now(); await f(); return performance.now() - t; };

const measure = async (name: string, sv: Supervisor) => {
  const startMs: number[] = [], statusMs: number[] = [], listMs: number[] = [];
  for (let i = 0; i < rounds; i++) {
    let jobId = "";
    startMs.push(await time(async () => { jobId = (await sv.start({ prompt: "RUN: sleep 30" })).jobId; }));
    statusMs.push(await time(() => sv.status(jobId)));
    listMs.push(await time(() => sv.list()));
    await sv.kill(jobId, { grace: "1s" });
  }
  console.log(`${name.padEnd(12)} start ${median(startMs).toFixed(0)} ms  status ${median(statusMs).toFixed(0)} ms  list ${median(listMs).toFixed(0)} ms  (medians of ${rounds})`);
};

try {
  const first = Bun.spawnSync(["bun", join(import.meta.dirname, "../../bin/codex-supervisor.ts"), "--build"]);
  if (first.exitCode !== 0) throw new Error(first.stderr.toString());
  const inProcess = createInProcessSupervisor(options);
  await measure("in process", inProcess);
  await inProcess.close();
  const viaCli = createCliSupervisor(options);
  await measure("via CLI", viaCli);
  await viaCli.close();
} finally {
  await sb.cleanup();
}
