/**
 * Before any test: the CLI's bytecode bundle (bin/bundle.ts) is built once, so the tests run
 * what `codex-supervisor` runs and parallel test files do not each pay for (or race) the build.
 */
import { buildBundle, builtBundle } from "../../bin/bundle.ts";

export default async function setup(): Promise<void> {
  if (!builtBundle()) await buildBundle();
}
