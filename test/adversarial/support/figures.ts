import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Where each suite leaves its figures for docs/safety.md: test/adversarial/.results/<suite>.json (gitignored). */
export const RESULTS_DIR = join(import.meta.dirname, "..", ".results");

export type Figures = Record<string, number | string | boolean | ReadonlyArray<string>>;

/**
 * The figures one suite collects across its tests, printed as one line and written
 * as JSON when the suite ends (whether its tests passed or not: a failure is a figure too).
 */
export const figures = (suite: string, initial: Figures) => {
  const values: Figures = { ...initial };
  return {
    values,
    add(key: string, n = 1) {
      const current = values[key];
      values[key] = (typeof current === "number" ? current : 0) + n;
    },
    set(key: string, value: Figures[string]) {
      values[key] = value;
    },
    /** `suite: k v, k v …`, to stdout and to the JSON file. */
    write(summary: string) {
      mkdirSync(RESULTS_DIR, { recursive: true });
      const record = { suite, summary, at: new Date().toISOString(), ...values };
      writeFileSync(join(RESULTS_DIR, `${suite}.json`), `${JSON.stringify(record, null, 2)}\n`);
      console.info(`${suite}: ${summary}`);
    },
  };
};
