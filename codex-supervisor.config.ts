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
});
