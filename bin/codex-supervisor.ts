#!/usr/bin/env bun
/**
 * The `codex-supervisor` command: runs the bytecode bundle of the CLI built from these exact
 * sources (bin/bundle.ts), building it first when there is none. Should the build fail, or
 * with CODEX_SUPERVISOR_FROM_SOURCE=1, it runs the TypeScript sources directly: slower to
 * start, same behaviour.
 *
 *   bun bin/codex-supervisor.ts --build   build the bundle now and print its path
 */
import { buildBundle, builtBundle, fingerprint, SOURCE_ENTRY } from "./bundle.ts";
import { crash, crashOnUncaught, reexecForWatch } from "./process.ts";

type Main = (argv: ReadonlyArray<string>) => Promise<number>;

const argv = process.argv.slice(2);
reexecForWatch(argv, [process.execPath, ...process.execArgv, ...process.argv.slice(1)]);

const bundled = async (): Promise<string | undefined> => {
  if (process.env.CODEX_SUPERVISOR_FROM_SOURCE === "1") return undefined;
  const fp = fingerprint();
  const built = builtBundle(fp);
  if (built) return built;
  try {
    return await buildBundle(fp);
  } catch (e) {
    process.stderr.write(`codex-supervisor: could not build the CLI bundle, running from source: ${(e as Error).message}\n`);
    return undefined;
  }
};

crashOnUncaught();

try {
  if (argv[0] === "--build") {
    const path = await buildBundle();
    process.stdout.write(`${path}\n`);
  } else {
    const path = await bundled();
    const { main } = (path ? require(path) : await import(SOURCE_ENTRY)) as { main: Main };
    process.exitCode = await main(argv);
  }
} catch (e) {
  crash(e);
}
