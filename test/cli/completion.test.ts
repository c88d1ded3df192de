/**
 * `completion bash|zsh|fish` prints a script that completes commands, each command's options and,
 * where a command takes a JOB, the newest jobs' ids (issue 23 point 10). The bash script is run by
 * bash here, against the CLI and a database holding jobs.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { endedJob, seedJobs } from "../../bench/lib/db.ts";
import { CLI, runCli } from "../adversarial/support/cli.ts";

const root = mkdtempSync(join(tmpdir(), "cs-completion-"));
const bin = join(root, "bin");
const env = {
  ...(process.env as Record<string, string>),
  XDG_CONFIG_HOME: join(root, "xdg"),
  CODEX_SUPERVISOR_DB: join(root, "db.sqlite"),
  // the scripts call `codex-supervisor completion --jobs`: this one, found first on PATH
  PATH: `${bin}:${process.env.PATH ?? ""}`,
};
const jobs = [endedJob(1, { cwd: root, codexHome: root }), endedJob(3, { cwd: root, codexHome: root })];

beforeAll(() => {
  mkdirSync(bin);
  writeFileSync(join(bin, "codex-supervisor"), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
  chmodSync(join(bin, "codex-supervisor"), 0o755);
  seedJobs(env.CODEX_SUPERVISOR_DB, jobs);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** What the bash script offers for the words typed so far (the last one being completed). */
const bashCompletes = async (script: string, typed: ReadonlyArray<string>): Promise<string[]> => {
  const file = join(root, "completion.bash");
  writeFileSync(file, script);
  const words = typed.map((w) => `'${w}'`).join(" ");
  const proc = Bun.spawn(["bash", "-c", `source '${file}'; COMP_WORDS=(${words}); COMP_CWORD=${typed.length - 1}; _codex_supervisor; printf '%s\\n' "\${COMPREPLY[@]}"`], {
    env, stdout: "pipe", stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  expect(code, err).toBe(0);
  return out.split("\n").filter(Boolean);
};

describe("completion bash", () => {
  test("completes commands, a command's options and the jobs a JOB can be", async () => {
    const r = await runCli(["completion", "bash"], env);
    expect(r.code, r.stderr).toBe(0);
    expect(await bashCompletes(r.stdout, ["codex-supervisor", "li"])).toEqual(["list"]);
    expect(await bashCompletes(r.stdout, ["codex-supervisor", "p"])).toEqual(["ps"]);
    expect(await bashCompletes(r.stdout, ["codex-supervisor", "kill", "--gr"])).toEqual(["--grace"]);
    expect(await bashCompletes(r.stdout, ["codex-supervisor", "logs", "--f"])).toEqual(["--follow"]);
    expect((await bashCompletes(r.stdout, ["codex-supervisor", "kill", ""])).sort()).toEqual(jobs.map((j) => j.id.slice(0, 8)).sort());
    expect(await bashCompletes(r.stdout, ["codex-supervisor", "status", jobs[1]!.id.slice(0, 4)])).toEqual([jobs[1]!.id.slice(0, 8)]);
  });
});

describe("completion fish and zsh", () => {
  test("fish: every command with its summary, each option, and JOB from completion --jobs", async () => {
    const r = await runCli(["completion", "fish"], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`complete -c codex-supervisor -n __fish_use_subcommand -a kill -d 'end a job's`.replace("job's", "job\\'s"));
    expect(r.stdout).toContain(`complete -c codex-supervisor -n '__fish_seen_subcommand_from kill' -l grace -r -d`);
    expect(r.stdout).toContain(`complete -c codex-supervisor -n '__fish_seen_subcommand_from resume status logs kill' -a '(codex-supervisor completion --jobs 2>/dev/null)'`);
  });

  test("zsh: the bash completion through zsh's bashcompinit", async () => {
    const r = await runCli(["completion", "zsh"], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("autoload -U +X bashcompinit && bashcompinit");
    expect(r.stdout).toContain("complete -o default -F _codex_supervisor codex-supervisor");
  });

  test("--jobs prints the newest jobs, id and name or status, one a line", async () => {
    const r = await runCli(["completion", "--jobs"], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${jobs[1]!.id.slice(0, 8)}\tnightly-3\n${jobs[0]!.id.slice(0, 8)}\tkilled\n`);
  });

  test("another shell is a usage error naming the ones there are, exit 2", async () => {
    const r = await runCli(["completion", "powershell"], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("completion takes one shell: bash, zsh, fish");
  });
});
