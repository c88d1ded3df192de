import { z } from "zod";
import { size } from "./fields.ts";

const CPU_HINT = `a number of CPUs (1.5) or a share like "150%"`;

/** CPUs a job may use: 1.5, or "150%" as systemd's CPUQuota writes it. */
const cpu = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const m = typeof value === "string" ? /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(value) : undefined;
  const cpus = typeof value === "number" ? value : m ? Number(m[1]) / 100 : Number.NaN;
  if (Number.isFinite(cpus) && cpus >= 0.01 && cpus <= 4096) return cpus;
  ctx.addIssue({ code: "custom", message: `expected ${CPU_HINT}, at least 1%, got ${JSON.stringify(value)}` });
  return z.NEVER;
});

/** A job's hard limits; a limit this machine cannot apply fails the launch rather than being skipped. */
export const limitsSchema = z.strictObject({
  /** Memory the job's processes may use together, e.g. "2GB" (the kernel's OOM killer ends one past it). */
  memory: size.refine((bytes) => bytes >= 1024 * 1024, "expected at least 1MB").optional(),
  /** CPU time per second, in CPUs: 1.5 or "150%". */
  cpu: cpu.optional(),
  /** Processes and threads the job may have at once; a fork past it fails. */
  pids: z.number().int().min(1).max(4_194_304).optional(),
});
