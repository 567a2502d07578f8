import { defineConfig, type Options } from 'tsup';
import base, {
  INLINED_DEPENDENCIES,
  REQUIRE_BANNER,
  writeBinLaunchers,
  writeThirdPartyLicenses,
} from '../../tsup.config';

/**
 * The build of an app for its release tarball (run by scripts/release/pack.mjs in the app's directory):
 * the same entry points and bin launchers as the workspace build, with every `@opensensor/*` library
 * bundled in from its sources, and every other package left to npm (the pack script lists them in the
 * release's package.json). Written to OPENSENSOR_RELEASE_OUT instead of dist/, so a release never
 * overwrites the workspace build.
 */
// biome-ignore lint/suspicious/noUndeclaredEnvVars: not a turbo task; scripts/release/pack.mjs sets it
const outDir = process.env.OPENSENSOR_RELEASE_OUT;
if (!outDir)
  throw new Error('OPENSENSOR_RELEASE_OUT is not set: run this build through scripts/release/pack.mjs');
const options = base as Options;

export default defineConfig({
  ...options,
  outDir,
  dts: false,
  // Source maps would double the download for stack traces nobody reads without --enable-source-maps.
  sourcemap: false,
  metafile: true,
  // Only third-party packages stay imports; the libraries are compiled from src/ like the tests run them,
  // and so are the dependencies the workspace build compiles in (INLINED_DEPENDENCIES: zod, commander, …).
  external: [/^(?!@opensensor\/)[^./]/],
  noExternal: [/^@opensensor\//, ...Object.keys(INLINED_DEPENDENCIES)],
  banner: { js: REQUIRE_BANNER },
  esbuildOptions(o) {
    o.conditions = ['@opensensor/source', ...(o.conditions ?? [])];
  },
  onSuccess: async () => {
    writeBinLaunchers(outDir);
    writeThirdPartyLicenses(outDir, Object.keys(INLINED_DEPENDENCIES));
  },
});
