import { defineConfig } from "./src/config/defineConfig.ts";

// The project's own config and an example of the format. It spells out the defaults, so
// running the supervisor inside this checkout behaves as it would anywhere else; it sets
// no database path, so CODEX_SUPERVISOR_DB stays the one way tests redirect the database.
export default defineConfig({
  codex: {
    args: [],
  },
  python: {
    discover: true,
    names: [".venv", "venv"],
  },
  watchdog: {
    interval: "5s",
  },
  // Tell me when a job is done, or failed, or was killed (and by whom): a desktop notification
  // once per job, from the watchdog (`codex-supervisor watch`), with the job's end state, exit
  // code, duration, tokens and last message. Add `webhook: "https://…"` to get it elsewhere.
  plugins: [["notify", { desktop: true }]],
  policies: [
    { name: "job-ended", when: { ended: true }, do: ["notify"] },
  ],
});
