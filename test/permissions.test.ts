/**
 * A process that overrides file permissions (root, as CI runs) never sees a permission error,
 * so the tests of those errors skip there. This runs them again in a child vitest with every
 * capability dropped (setpriv), so CI runs both kinds: the other-user cases as root, these without.
 */
import { expect, test } from "vitest";
import { overridesFilePermissions, PERMISSION_TEST_FILES } from "./support/privilege.ts";

const setpriv = Bun.which("setpriv");
const why = !overridesFilePermissions
  ? " (skipped: this process already sees permission errors; the files ran directly)"
  : !setpriv ? " (skipped: no setpriv from util-linux to drop capabilities)" : "";

test.runIf(why === "")(`the permission-error tests pass in a process without CAP_DAC_OVERRIDE, none skipped${why}`, async () => {
  const child = Bun.spawn([
    setpriv!, "--inh-caps=-all", "--ambient-caps=-all", "--bounding-set=-all",
    process.execPath, "--bun", "vitest", "run", "--project", "unit", ...PERMISSION_TEST_FILES,
  ], { cwd: new URL("..", import.meta.url).pathname, stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } });
  const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  const closing = /^(\d+) passed, (\d+) failed, (\d+) skipped$/m.exec(out);
  expect(code, `${out.slice(-3000)}\n${err.slice(-2000)}`).toBe(0);
  expect(closing?.slice(1).map(Number), out.slice(-2000)).toEqual([expect.any(Number), 0, 0]);
  expect(Number(closing![1])).toBeGreaterThan(0);
}, 180_000);
