/** Thrown when a built file is missing or older than a source it is built from. */
export declare class StaleBuildError extends Error {}
/**
 * Throws a StaleBuildError naming the first built file that is missing or older than a source of
 * its package, for the package in `packageDir` and every workspace package it loads at run time.
 * Returns the names of the packages checked. `root` is the workspace (default: this repository);
 * `packageDir` is resolved against it.
 */
export declare function assertFreshBuild(packageDir: string, options?: { root?: string }): string[];
