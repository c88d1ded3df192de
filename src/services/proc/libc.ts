import type { FFIFunction, Library } from "bun:ffi";

const LIBC_NAMES = ["libc.so.6", "libc.musl-x86_64.so.1", "libc.musl-aarch64.so.1", "libc.so"];

/**
 * The C library's `symbols` (given bun:ffi, for their types), from glibc or musl: Linux under Bun
 * only; null anywhere else, or when no libc opens with them.
 */
export const openLibc = <Fns extends Record<string, FFIFunction>>(
  symbols: (ffi: typeof import("bun:ffi")) => Fns,
): { readonly lib: Library<Fns>; readonly ffi: typeof import("bun:ffi") } | null => {
  if (process.platform !== "linux" || typeof Bun === "undefined") return null;
  const ffi = require("bun:ffi") as typeof import("bun:ffi");
  for (const name of LIBC_NAMES) {
    try {
      return { lib: ffi.dlopen(name, symbols(ffi)), ffi };
    } catch {
      // not this libc
    }
  }
  return null;
};
