/**
 * A config or plugin file imports `codex-supervisor` (and `codex-supervisor/plugin`) by name, but
 * it may sit in a folder with no node_modules, be run by a global install or by the standalone
 * binary, where Bun's resolver finds no such package (and would try to fetch it from the npm
 * registry). So before the first such file is imported, the two names are registered as modules
 * that are this running supervisor's own: the same definePlugin, the same zod, whatever is installed
 * beside the file.
 */
let served: Promise<void> | undefined;

export const serveOwnPackage = (): Promise<void> =>
  (served ??= (async () => {
    const [api, plugin] = await Promise.all([import("../index.ts"), import("../plugin.ts")]);
    Bun.plugin({
      name: "codex-supervisor's own package",
      setup(build) {
        build.module("codex-supervisor", () => ({ exports: { ...api }, loader: "object" }));
        build.module("codex-supervisor/plugin", () => ({ exports: { ...plugin }, loader: "object" }));
      },
    });
  })());
