import { resolve } from 'node:path';
import type { Command } from 'commander';
import { CliError, type CliIo, EXIT } from '../io.js';
import { loadLenientConfig } from '../lenient-config.js';
import type { ConfigFlags } from '../load-config.js';

interface ServeFlags {
  lakehouse?: string;
  port?: string;
  host?: string;
  tokenFile?: string;
  open?: boolean;
}

function lakehouseDir(program: Command, io: CliIo, flag: string | undefined): string {
  if (flag) return resolve(io.cwd, flag);
  return loadLenientConfig(io, program.opts<ConfigFlags>().envFile).loaded.config.lakehouseDir;
}

async function openBrowser(url: string): Promise<void> {
  const { spawn } = await import('node:child_process');
  const [cmd, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '', url]]
        : ['xdg-open', [url]];
  const child = spawn(cmd as string, args as string[], { stdio: 'ignore', detached: true });
  child.on('error', () => undefined);
  child.unref();
}

/** SIGINT or SIGTERM stops the server (a plain server needs no grace period nor second-signal exit). */
function stopSignal(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    },
  };
}

export function registerDashboard(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const cmd = program
    .command('dashboard')
    .description('Serve the dashboard (fleet, station, compare) over the lakehouse on localhost')
    .option(
      '--lakehouse <dir>',
      'the lakehouse (catalog.json, silver/, gold/); default OPENSENSOR_LAKEHOUSE_DIR or ./lakehouse',
    )
    .option('--port <n>', 'port (0: any free port)', '8080')
    .option('--host <address>', 'address to listen on; anything but loopback needs --token-file', '127.0.0.1')
    .option('--token-file <path>', 'access tokens (JSON, mode 0600); every request then needs one')
    .option('--open', 'open the dashboard in the default browser')
    .addHelpText(
      'after',
      `
Serves the built app and the lakehouse's catalog.json, silver/ and gold/ (HTTP Range requests);
nothing else of the lakehouse, nothing outside it. New data shows once "opensensor lake build" has run.

Examples:
  $ opensensor dashboard --lakehouse ./lakehouse --open
  $ opensensor dashboard token --token-file ./dashboard-tokens.json --stations 0193…
  $ opensensor dashboard --host 0.0.0.0 --token-file ./dashboard-tokens.json
  $ opensensor dashboard build --base-url https://my-bucket.s3.amazonaws.com/lakehouse/ --out ./site`,
    )
    .action(async (opts: ServeFlags) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new CliError(`--port ${opts.port}: expected a port number 0-65535`, EXIT.usage);
      const lakehouse = lakehouseDir(program, io, opts.lakehouse);
      const { startDashboardServer, DashboardServerError } = await import('../dashboard/server.js');
      const { readTokenFile, TokenFileError } = await import('../dashboard/tokens.js');
      const { defaultAppDir } = await import('../dashboard/app-dir.js');
      const { existsSync } = await import('node:fs');
      if (!existsSync(resolve(lakehouse, 'catalog.json')))
        throw new CliError(
          `${lakehouse} has no catalog.json: build the lakehouse first ("opensensor lake build --lakehouse ${lakehouse}")`,
          EXIT.usage,
        );
      let tokens: ReturnType<typeof readTokenFile> | undefined;
      try {
        tokens = opts.tokenFile ? readTokenFile(resolve(io.cwd, opts.tokenFile)) : undefined;
      } catch (e) {
        if (e instanceof TokenFileError) throw new CliError(e.message, EXIT.usage);
        throw e;
      }
      let server: Awaited<ReturnType<typeof startDashboardServer>>;
      try {
        server = await startDashboardServer({
          lakehouse,
          appDir: defaultAppDir(),
          host: opts.host ?? '127.0.0.1',
          port,
          ...(tokens ? { tokens } : {}),
        });
      } catch (e) {
        if (e instanceof DashboardServerError) throw new CliError(e.message, EXIT.usage);
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL')
          throw new CliError(
            `cannot listen on ${opts.host}:${port} (${code}); choose another --port or --host`,
            EXIT.failed,
          );
        throw e;
      }
      io.stdout(`Dashboard: ${server.url}\n`);
      io.stdout(
        `Serving ${lakehouse}${tokens ? `; open it with ?token=<your token> (${tokens.length} token${tokens.length === 1 ? '' : 's'} in ${opts.tokenFile})` : ''}. Ctrl-C stops it.\n`,
      );
      if (opts.open) await openBrowser(server.url);
      const shutdown = io.deps?.shutdown ? io.deps.shutdown({}) : stopSignal();
      await new Promise<void>((done) => {
        if (shutdown.signal.aborted) done();
        else shutdown.signal.addEventListener('abort', () => done(), { once: true });
      });
      await server.close();
      shutdown.dispose();
      setExit(EXIT.ok);
    });

  cmd
    .command('build')
    .description('Write the dashboard as a static site that reads the lakehouse from a URL')
    .requiredOption(
      '--base-url <url>',
      'where the lakehouse is published (the folder that holds catalog.json)',
    )
    .requiredOption('--out <dir>', 'where to write the site')
    .addHelpText(
      'after',
      `
The site reads catalog.json and the Parquet files from --base-url at run time with HTTP Range
requests: it never needs rebuilding for new data. A bucket on another origin must allow CORS
(GET, HEAD, the Range header; expose Content-Range, Content-Length).

Example:
  $ opensensor dashboard build --base-url https://my-bucket.s3.amazonaws.com/lakehouse/ --out ./site`,
    )
    .action(async (opts: { baseUrl: string; out: string }) => {
      const { buildStaticSite } = await import('../dashboard/static-site.js');
      const { defaultAppDir } = await import('../dashboard/app-dir.js');
      const out = resolve(io.cwd, opts.out);
      let result: ReturnType<typeof buildStaticSite>;
      try {
        result = buildStaticSite({ appDir: defaultAppDir(), baseUrl: opts.baseUrl, out });
      } catch (e) {
        throw new CliError((e as Error).message, EXIT.usage);
      }
      io.stdout(
        `Wrote ${result.files} files to ${out}; the site reads the lakehouse from ${result.dataUrl}\n`,
      );
      setExit(EXIT.ok);
    });

  cmd
    .command('token')
    .description('Add a new access token to a token file (created with mode 0600) and print it once')
    .requiredOption('--token-file <path>', 'the token file')
    .option('--stations <ids>', 'comma-separated station ids this token may read (default: all)')
    .option('--label <text>', 'who the token is for (kept in the file)')
    .action(async (opts: { tokenFile: string; stations?: string; label?: string }) => {
      const { addToken } = await import('../dashboard/tokens.js');
      const stations = opts.stations
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const path = resolve(io.cwd, opts.tokenFile);
      const token = addToken(path, stations, opts.label);
      io.stdout(`${token}\n`);
      io.stderr(
        `Added to ${path} (mode 0600), for ${stations?.length ? `stations ${stations.join(', ')}` : 'every station'}. It is not shown again.\n`,
      );
      setExit(EXIT.ok);
    });
}
