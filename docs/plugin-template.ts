// A codex-supervisor plugin. Copy this file anywhere (no node_modules needed), rename it, keep what
// you need, and name it in your config with its options:
//   plugins: [["./my-plugin.ts", { label: "nightly", journal: "~/codex-journal.log" }]]
// docs/plugins.md explains each hook; `codex-supervisor config` shows whether it loads.
import { appendFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { definePlugin } from "codex-supervisor";
import { duration, z } from "codex-supervisor/plugin";

/** The options, checked when the config loads: a typo is a config error naming the key, not a surprise later. */
const options = z.strictObject({
  /** Put into every job's environment (and so every tool command's) as MY_PLUGIN_LABEL. */
  label: z.string().default("codex"),
  /** Where the `journal` action and the job-end hook write; `~/` is the home folder. */
  journal: z.string().default("~/codex-journal.log"),
  /** A duration like "90s" or "10m", handed to the hooks in milliseconds. */
  slowAfter: duration.prefault("30m"),
});

const write = (file: string, line: string) =>
  appendFileSync(file.startsWith("~/") ? join(homedir(), file.slice(2)) : file, `${new Date().toISOString()} ${line}\n`);

export default definePlugin({
  name: "my-plugin",
  options,

  // Change a launch: return a new spec (env, args), or nothing to leave it as it is.
  beforeLaunch: (spec, { options }) => ({ ...spec, env: { ...spec.env, MY_PLUGIN_LABEL: options.label } }),

  // Actions a policy calls by name: `do: ["journal"]`. Not done (or a throw) means it is tried again later.
  actions: {
    journal: ({ options, message }) => {
      write(options.journal, message);
      return { done: true };
    },
  },

  // Once when the watchdog sees a job reach its final state.
  onJobEnd: ({ options, job, log }) => {
    const ran = (job.endedAt ?? Date.now()) - job.createdAt;
    write(options.journal, `job ${job.id} ${job.status} in ${job.cwd}${ran > options.slowAfter ? " (slow)" : ""}`);
    log(`journaled the end of ${job.id}`); // a line in `codex-supervisor events`, attributed to this plugin
  },
});
