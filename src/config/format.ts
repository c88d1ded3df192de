import { z } from "zod";
import type { ConfigError, ConfigIssue } from "../core/errors.ts";
import { didYouMean } from "../core/didYouMean.ts";
import { typeName } from "./typeName.ts";

export { didYouMean };

export { typeName };

const ARTICLE = /^[aeiou]/;
const withArticle = (type: string) => (ARTICLE.test(type) ? `an ${type}` : `a ${type}`);

/** Zod error map for config parsing: "expected a string, got number" rather than zod's own wording. */
export const configErrorMap: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case "invalid_type":
      return issue.input === undefined
        ? `missing (expected ${withArticle(issue.expected)})`
        : `expected ${withArticle(issue.expected)}, got ${typeName(issue.input)}`;
    case "invalid_value":
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}, got ${JSON.stringify(issue.input)}`;
    case "too_small":
      if (issue.origin === "string" && issue.minimum === 1) return "expected a non-empty string";
      return undefined;
    case "invalid_union": {
      // `true` or a duration, given "5300w": the duration's own complaint, not "Invalid input"
      const specific = issue.errors.filter((branch) => branch.length > 0 && branch.every((i) => i.code !== "invalid_type"));
      return specific.length === 1 ? specific[0]!.map((i) => i.message).join("; ") : undefined;
    }
    default:
      return undefined;
  }
};

/** The keys an object schema allows at `path`, looking through wrappers, arrays, records and unions. */
const keysAt = (schema: z.core.$ZodType, path: ReadonlyArray<PropertyKey>): string[] => {
  if (schema instanceof z.core.$ZodOptional || schema instanceof z.core.$ZodDefault || schema instanceof z.core.$ZodPrefault
    || schema instanceof z.core.$ZodNullable || schema instanceof z.core.$ZodReadonly) {
    return keysAt(schema._zod.def.innerType, path);
  }
  if (schema instanceof z.core.$ZodPipe) return keysAt(schema._zod.def.in, path);
  if (schema instanceof z.core.$ZodUnion) return schema._zod.def.options.flatMap((option) => keysAt(option, path));
  const [head, ...rest] = path;
  if (schema instanceof z.core.$ZodObject) {
    if (head === undefined) return Object.keys(schema._zod.def.shape);
    const field = schema._zod.def.shape[String(head)];
    return field ? keysAt(field, rest) : [];
  }
  if (schema instanceof z.core.$ZodArray && head !== undefined) return keysAt(schema._zod.def.element, rest);
  if (schema instanceof z.core.$ZodRecord && head !== undefined) return keysAt(schema._zod.def.valueType, rest);
  return [];
};

export const issuePath = (path: ReadonlyArray<PropertyKey>): string => path.map(String).join(".");

/** One ConfigIssue per problem: an unknown-keys issue becomes one per key, with a suggestion. */
export const configIssues = (schema: z.core.$ZodType, error: z.core.$ZodError): ConfigIssue[] =>
  error.issues.flatMap((issue): ConfigIssue[] => {
    if (issue.code !== "unrecognized_keys") return [{ path: issuePath(issue.path), message: issue.message }];
    const allowed = keysAt(schema, issue.path);
    return issue.keys.map((key) => {
      const guess = didYouMean(key, allowed);
      const hint = guess ? ` (did you mean "${guess}"?)` : allowed.length ? ` (expected one of: ${allowed.join(", ")})` : "";
      return { path: issuePath([...issue.path, key]), message: `unknown key${hint}` };
    });
  });

/** `config error in FILE:` then one `  - path: problem` line per issue. */
export const formatConfigError = (error: ConfigError): string[] => [
  `config error in ${error.file}:`,
  ...error.issues.map((issue) => `  - ${issue.path ? `${issue.path}: ` : ""}${issue.message}`),
];
