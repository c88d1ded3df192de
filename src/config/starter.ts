import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { configIn, GLOBAL_PLACES, PROJECT_PLACES } from "./locate.ts";

/** Where `init` writes: the project file in a folder, or the global one. */
export const starterFile = (dir: string, global: boolean): string => join(dir, global ? "config.ts" : "codex-supervisor.config.ts");

// Interpolated: the import-direction test reads a quoted specifier after `from` as this module's own import.
const PACKAGE = "codex-supervisor";

/** The starter config: the policies most people want, each a line to edit or delete. */
export const STARTER_CONFIG = `// codex-supervisor's config. \`codex-supervisor config\` shows what applies, \`doctor\` checks it;
// the reference is docs/config.md (and docs/plugins.md) in the package. Durations: "90s", "45m", "2h".
import { defineConfig } from "${PACKAGE}";

export default defineConfig({
  watchdog: {
    // How often the watchdog (\`codex-supervisor watch\`, or \`service install\`) looks at every Codex.
    interval: "5s",
  },
  policies: [
    // A job that runs longer than this is ended: its whole process tree, SIGTERM then SIGKILL.
    { name: "max-runtime", when: { runtimeOver: "2h" }, do: ["kill"] },
    // No new history and no CPU for this long: stuck (waiting on a model that never answers, a hung tool).
    { name: "stuck", when: { idleFor: "20m" }, do: ["kill"] },
    // A job whose launcher is gone while Codex runs, or whose tool processes outlived it.
    // Add \`match: { tracked: "either" }\` to judge Codex this supervisor did not start, too.
    { name: "orphans", when: { orphaned: true }, do: ["kill"] },
    // Tell me when a job ends — completed, failed, killed (by whom and why) — once per job, including jobs
    // that ended while no watchdog ran. \`ended: ["failed", "killed"]\` for the bad news only.
    { name: "job-ended", when: { ended: true }, do: ["notify"] },
  ],
  plugins: [
    // Where \`notify\` sends: a desktop notification (notify-send on Linux, osascript on macOS); on a server
    // without a desktop, a webhook (POSTs JSON) or a command (the event as JSON on its stdin) instead:
    // ["notify", { webhook: "https://example.com/hook" }], ["notify", { command: ["my-pager"] }]
    ["notify", { desktop: true }],
  ],
});
`;

/** Writes the starter config into `dir`; refuses, naming it, when a config is there already. */
export const writeStarter = (dir: string, global: boolean): { readonly file: string } | { readonly exists: string } => {
  const present = configIn(dir, global ? GLOBAL_PLACES : PROJECT_PLACES);
  if (present) return { exists: present };
  const file = starterFile(dir, global);
  try {
    writeFileSync(file, STARTER_CONFIG, { flag: "wx" }); // wx: never over a file that appeared meanwhile
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === "EEXIST") return { exists: file };
    throw cause;
  }
  return { file };
};
