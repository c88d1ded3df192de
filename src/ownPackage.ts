/**
 * A config or plugin file imports `codex-supervisor` (and `codex-supervisor/plugin`) by name, but
 * it may sit in a folder with no node_modules, be run by a global install or by the standalone
 * binary, where Bun's resolver finds no such package (and would try to fetch it from the npm
 * registry). So the program (src/main.ts) and the in-process API register the two names, before
 * any config loads, as modules that are this running supervisor's own: the same definePlugin, the
 * same zod, whatever is installed beside the file. Registering costs well under a millisecond;
 * the modules behind the names load only when a file imports them.
 */
let served = false;

/** Registers the two names, once; what stands behind each is loaded only when a file imports it. */
export const serveOwnPackage = (): void => {
  if (served) return;
  served = true;
  Bun.plugin({
    name: "codex-supervisor's own package",
    setup(build) {
      build.module("codex-supervisor", async () => ({ exports: { ...(await import("./index.ts")) }, loader: "object" }));
      build.module("codex-supervisor/plugin", async () => ({ exports: { ...(await import("./plugin.ts")) }, loader: "object" }));
    },
  });
};
