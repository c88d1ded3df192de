import { didYouMean, typeName } from "../config/format.ts";
import type { Plugin } from "./types.ts";

const KEYS = ["name", "order", "options", "beforeLaunch", "actions", "actionOptions", "onTick", "onJobEnd", "onReport"];
const FUNCTION_HOOKS = ["beforeLaunch", "onTick", "onJobEnd", "onReport"];

const isObject = (value: unknown): value is object => typeof value === "object" && value !== null && !Array.isArray(value);

const actionProblems = (actions: unknown): string[] => {
  if (actions === undefined) return [];
  if (!isObject(actions)) return [`"actions" must be an object of named functions, got ${typeName(actions)}`];
  return Object.entries(actions).flatMap(([name, handler]) =>
    name.trim() === "" ? ["an action name must not be empty"]
      : typeof handler !== "function" ? [`action "${name}" must be a function, got ${typeName(handler)}`]
      : []);
};

const isSchema = (value: unknown) => isObject(value) && typeof Reflect.get(value, "safeParse") === "function";

const actionOptionsProblems = (schemas: unknown, actions: unknown): string[] => {
  if (schemas === undefined) return [];
  if (!isObject(schemas)) return [`"actionOptions" must be an object of schemas by action name, got ${typeName(schemas)}`];
  const defined = isObject(actions) ? Object.keys(actions) : [];
  return Object.entries(schemas).flatMap(([name, schema]) =>
    !defined.includes(name) ? [`"actionOptions" names "${name}", which is not one of its actions${defined.length ? ` (${defined.join(", ")})` : ""}`]
      : !isSchema(schema) ? [`"actionOptions.${name}" must be a schema with safeParse (e.g. a zod object), got ${typeName(schema)}`]
      : []);
};

/** What keeps a value from being a plugin, one message per problem; empty when it is one. */
export const pluginProblems = (value: unknown): string[] => {
  if (!isObject(value)) return [`expected a plugin object from definePlugin({ name, ... }), got ${typeName(value)}`];
  const problems: string[] = [];
  const field = (key: string): unknown => Reflect.get(value, key);
  const name = field("name");
  if (typeof name !== "string" || name.trim() === "") problems.push(`"name" must be a non-empty string, got ${typeName(name)}`);
  for (const key of Object.keys(value)) {
    if (KEYS.includes(key)) continue;
    const guess = didYouMean(key, KEYS);
    problems.push(`unknown key "${key}"${guess ? ` (did you mean "${guess}"?)` : ` (expected one of: ${KEYS.join(", ")})`}`);
  }
  const order = field("order");
  if (order !== undefined && order !== "pre" && order !== "post") problems.push(`"order" must be "pre" or "post", got ${JSON.stringify(order) ?? typeName(order)}`);
  for (const hook of FUNCTION_HOOKS) {
    const fn = field(hook);
    if (fn !== undefined && typeof fn !== "function") problems.push(`"${hook}" must be a function, got ${typeName(fn)}`);
  }
  const options = field("options");
  if (options !== undefined && !(isObject(options) && typeof Reflect.get(options, "safeParse") === "function")) {
    problems.push(`"options" must be a schema with safeParse (e.g. a zod object), got ${typeName(options)}`);
  }
  return [...problems, ...actionProblems(field("actions")), ...actionOptionsProblems(field("actionOptions"), field("actions"))];
};

export const isPlugin = (value: unknown): value is Plugin => pluginProblems(value).length === 0;
