// Starts the real release binary on a free port with its own temporary state, and stops it.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (tests/client/test/support → four levels up). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

/** Where the tests keep artefacts (logs, screenshots): the repository's target/. */
export const artefactDir = path.join(repoRoot, 'target');

/**
 * The server binary: `RAKSHAAYAN_BIN`, else the release build in `CARGO_TARGET_DIR`
 * (default `<repo>/target`).
 */
export function binaryPath(): string {
  const bin =
    process.env.RAKSHAAYAN_BIN ??
    path.join(process.env.CARGO_TARGET_DIR ?? path.join(repoRoot, 'target'), 'release', 'rakshaayan');
  if (!existsSync(bin)) {
    throw new Error(
      `server binary not found at ${bin}: build it with \`cargo build --release\` at the repository ` +
        'root, or point RAKSHAAYAN_BIN at one',
    );
  }
  return bin;
}

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      if (address === null || typeof address === 'string') {
        reject(new Error('no port'));
        return;
      }
      srv.close(() => resolve(address.port));
    });
  });
}

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), `${prefix}-`));
}

/** A random JWT secret (≥ 32 bytes). */
export function jwtSecret(): string {
  return randomBytes(32).toString('hex');
}

/**
 * The environment of a server process: only what we set (plus PATH/HOME), so the
 * caller's DATABASE_URL, REDIS_URL and the like never leak in.
 */
function serverEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    APP_ENV: 'development',
    LOG_FORMAT: 'pretty',
    RUST_LOG: process.env.RAKSHAAYAN_TEST_LOG ?? 'info',
    ...extra,
  };
}

export interface ServerOptions {
  /** Short name, used for the log file (`target/client-tests/<name>.log`). */
  name: string;
  /** Working directory (no `.env` is read from it unless one is there). */
  cwd: string;
  /** Environment variables on top of the defaults; BIND_ADDR/PUBLIC_BASE_URL are set here. */
  env: Record<string, string>;
}

export class Server {
  readonly port: number;
  readonly url: string;
  readonly graphqlUrl: string;
  readonly wsUrl: string;
  readonly logPath: string;
  private proc: ChildProcess | undefined;
  private exited: Promise<number | null> | undefined;

  constructor(
    readonly options: ServerOptions,
    port: number,
  ) {
    this.port = port;
    this.url = `http://127.0.0.1:${port}`;
    this.graphqlUrl = `${this.url}/graphql`;
    this.wsUrl = `ws://127.0.0.1:${port}/graphql/ws`;
    const logDir = path.join(artefactDir, 'client-tests');
    mkdirSync(logDir, { recursive: true });
    this.logPath = path.join(logDir, `${options.name}.log`);
  }

  /** Spawns the binary and resolves once `GET /health` answers 200. */
  async start(): Promise<void> {
    const log = createWriteStream(this.logPath, { flags: 'w' });
    const proc = spawn(binaryPath(), ['serve'], {
      cwd: this.options.cwd,
      env: serverEnv({
        BIND_ADDR: `127.0.0.1:${this.port}`,
        PUBLIC_BASE_URL: this.url,
        ...this.options.env,
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc = proc;
    proc.stdout?.pipe(log, { end: false });
    proc.stderr?.pipe(log, { end: false });
    this.exited = new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 60_000;
    let exitCode: number | null | undefined;
    void this.exited.then((code) => {
      exitCode = code;
    });
    while (Date.now() < deadline) {
      if (exitCode !== undefined) {
        throw new Error(`server ${this.options.name} exited with ${exitCode}:\n${this.logTail()}`);
      }
      try {
        const response = await fetch(`${this.url}/health`);
        if (response.status === 200) return;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    throw new Error(`server ${this.options.name} did not become healthy in 60 s:\n${this.logTail()}`);
  }

  /** The last lines the server logged (for failure messages). */
  logTail(lines = 40): string {
    try {
      return readFileSync(this.logPath, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** SIGTERM, then SIGKILL after 5 s. */
  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Starts a server on a free port (retrying once if the port was taken meanwhile). */
export async function startServer(options: ServerOptions): Promise<Server> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const server = new Server(options, await freePort());
    try {
      await server.start();
      return server;
    } catch (error) {
      lastError = error;
      await server.stop();
      if (!/address already in use|AddrInUse/i.test(String(error))) break;
    }
  }
  throw lastError;
}

/** Runs `rakshaayan create-admin` (password through ADMIN_PASSWORD, never a flag). */
export function createAdmin(
  env: Record<string, string>,
  cwd: string,
  admin: { username: string; email: string; phone: string; password: string },
): string {
  const result = spawnSync(
    binaryPath(),
    ['create-admin', '--username', admin.username, '--email', admin.email, '--phone', admin.phone],
    { cwd, env: serverEnv({ ...env, ADMIN_PASSWORD: admin.password }), encoding: 'utf8', timeout: 60_000 },
  );
  if (result.status !== 0) {
    throw new Error(`create-admin failed (${result.status}): ${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
