import { chooseBackend } from "../../services/ProcessTable.ts";
import { type DoctorCheck, ok, warn } from "./check.ts";

export interface ProcessTableFacts {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly platform: NodeJS.Platform;
  /** Where each program the portable backend runs was found (undefined: not on PATH). */
  readonly found: (program: string) => string | undefined;
}

/** Which backend reads the process table, why, and for the portable one whether ps and lsof are there. */
export const judgeProcessTable = (facts: ProcessTableFacts): DoctorCheck => {
  const { backend, why } = chooseBackend(facts.env, facts.platform);
  const title = "process table";
  const unset = "set CODEX_SUPERVISOR_PROCESS_TABLE to portable or linux, or unset it";
  if (backend === "linux") {
    const detail = `linux (/proc): ${why}`;
    return why.includes("ignored") ? warn({ id: "process.table", title, detail }, unset) : ok({ id: "process.table", title, detail });
  }
  const missing = ["ps", "lsof"].filter((program) => facts.found(program) === undefined);
  const detail = `portable (ps and lsof): ${why}`;
  if (missing.length > 0) {
    return warn(
      { id: "process.table", title, detail: `${detail}; ${missing.join(" and ")} not found: ${missing.includes("ps") ? "no process can be read" : "no open file or cwd can be read, so a Codex's thread is found only from its history, and kill says what it did not check"}` },
      `install ${missing.join(" and ")} (macOS ships both)`,
    );
  }
  if (why.includes("ignored")) return warn({ id: "process.table", title, detail }, unset);
  return ok({ id: "process.table", title, detail });
};
