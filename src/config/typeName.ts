// Its own module, free of zod: the loader names what it found in a file before zod is loaded.

/** "number", "array", "null", "object"…: how a value reads in "got …". */
export const typeName = (value: unknown): string =>
  value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
