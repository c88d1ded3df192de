import { z } from "zod";
import { DURATION_RANGES, type DurationRange, readDuration, UNIT_NEEDED } from "../core/duration.ts";
import { parseSize } from "../core/size.ts";
import { typeName } from "./format.ts";

const DURATION_HINT = `a duration like "250ms", "5s", "45m", "1h" or "14d"`;
const shown = (value: unknown): string => (typeof value === "string" ? JSON.stringify(value) : typeName(value));
const notAString = (input: unknown): string =>
  typeof input === "number" ? `${input} has no unit: ${UNIT_NEEDED}, as a string` : `expected ${DURATION_HINT}, got ${shown(input)}`;

/** A duration written as "250ms", "5s", "45m", "1h" or "14d", within `range` (core/duration.ts); parsed to milliseconds. */
export const durationWithin = (range: DurationRange) => z
  .string({ error: (issue) => notAString(issue.input) })
  .transform((text, ctx) => {
    const read = readDuration(text, range);
    if ("ms" in read) return read.ms;
    ctx.addIssue({ code: "custom", message: read.reason === "malformed" ? `expected ${DURATION_HINT}, got ${shown(text)}` : read.problem });
    return z.NEVER;
  });

/** A policy's duration (`runtimeOver`, `idleFor`, `repeat`). */
export const duration = durationWithin(DURATION_RANGES.condition);

const SIZE_HINT = `a size like "512MB", "2GB" or a number of bytes`;

/** A memory size: "512MB", "2GiB", "1.5G", or bytes; parsed to bytes. */
export const size = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const bytes = parseSize(value);
  if (bytes !== undefined) return bytes;
  ctx.addIssue({ code: "custom", message: `expected ${SIZE_HINT}, got ${shown(value)}` });
  return z.NEVER;
});
