import { OptionalDependencyError } from './errors.js';

/** Loads an optional dependency only when real hardware is opened, with a typed error when it is missing. */
export async function loadOptionalModule<T>(
  specifier: string,
  purpose: string,
  importer: (specifier: string) => Promise<unknown> = (s) => import(s),
): Promise<T> {
  try {
    const mod = (await importer(specifier)) as { default?: unknown };
    // CommonJS packages (i2c-bus) arrive as the default export under ESM.
    return (mod.default ?? mod) as T;
  } catch (error) {
    throw new OptionalDependencyError(specifier, purpose, { cause: error });
  }
}
