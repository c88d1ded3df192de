import { z } from "zod";
import { parseDuration } from "../core/duration.ts";
import { parseSize } from "../core/size.ts";
import { typeName } from "./format.ts";

const DURATION_HINT = `a duration like "250ms", "5s", "45m", "1h" or "14d"`;
const shown = (value: unknown): string => (typeof value === "string" ? JSON.stringify(value) : typeName(value));

/** A duration written as "250ms", "5s", "45m", "1h" or "14d"; parsed to milliseconds. */
export const duration = z
  .string({ error: (issue) => `expected ${DURATION_HINT}, got ${shown(issue.input)}` })
  .transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms !== undefined) return ms;
    ctx.addIssue({ code: "custom", message: `expected ${DURATION_HINT}, got ${shown(text)}` });
    return z.NEVER;
  });

const SIZE_HINT = `a size like "512MB", "2GB" or a number of bytes`;

/** A memory size: "512MB", "2GiB", "1.5G", or bytes; parsed to bytes. */
export const size = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const bytes = parseSize(value);
  if (bytes !== undefined) return bytes;
  ctx.addIssue({ code: "custom", message: `expected ${SIZE_HINT}, got ${shown(value)}` });
  return z.NEVER;
});
