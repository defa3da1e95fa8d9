// Starts the real server (`python -m graph serve`) on a throwaway, seeded
// database and a free port, for one test file (and more server processes on
// the same database when a test needs replicas); `stop()` tears all down.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const PYTHON = join(ROOT, ".venv", "bin", "python");
const READY_TIMEOUT_MS = 60_000;

export const DEMO_PASSWORD = "conduit-demo";

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

function collect(stream) {
  const chunks = [];
  stream.on("data", (chunk) => chunks.push(chunk));
  return () => Buffer.concat(chunks).toString();
}

function exited(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
}

async function throwawayDatabase(script = "throwaway_database.py") {
  const helper = spawn(PYTHON, [join(ROOT, "clients", "support", script)], {
    cwd: ROOT,
    stdio: ["pipe", "pipe", "pipe"],
  });
  const log = collect(helper.stderr);
  const lines = createInterface({ input: helper.stdout });
  const firstLine = await new Promise((resolve) => {
    lines.once("line", resolve);
    helper.once("exit", () => resolve(null));
  });
  lines.close();
  if (firstLine === null) throw new Error(`the throwaway database could not be made:\n${log()}`);
  const { databaseUrl, replicaUrl } = JSON.parse(firstLine);
  return {
    databaseUrl,
    replicaUrl,
    async drop() {
      helper.stdin.end();
      await exited(helper);
      if (helper.exitCode !== 0) throw new Error(`dropping the database failed:\n${log()}`);
    },
  };
}

async function waitUntilReady(base, server, log) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`the server exited with ${server.exitCode}:\n${log()}`);
    try {
      const response = await fetch(`${base}/readyz`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the server was not ready within ${READY_TIMEOUT_MS} ms:\n${log()}`);
}

/** One `python -m graph serve` process on `databaseUrl`; resolves once /readyz answers. */
async function serve(databaseUrl, env) {
  const dataDir = mkdtempSync(join(tmpdir(), "conduit-clients-"));
  const port = await freePort();
  const server = spawn(PYTHON, ["-m", "graph", "serve", "--host", "127.0.0.1", "--port", String(port)], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      DATA_DIR: dataDir,
      ENVIRONMENT: "development",
      PERSISTED_QUERIES: "automatic",
      POOL_MIN_SIZE: "1",
      POOL_MAX_SIZE: "4",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stdout = collect(server.stdout);
  const stderr = collect(server.stderr);
  const log = () => stdout() + stderr();
  const base = `http://127.0.0.1:${port}`;

  const stop = async () => {
    server.kill("SIGTERM");
    await exited(server);
    rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    await waitUntilReady(base, server, log);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `${base}/graphql`, log, stop };
}

/**
 * A server on a fresh seeded database. More server processes on the same
 * database with the same JWT secret (replicas: a token from one is valid on
 * the others) start with it (`replicas`, in `others`) or later
 * (`startAnother()`); `stop()` stops them all and drops the database.
 * @param {Record<string, string>} [env] extra settings, e.g. { PERSISTED_QUERIES: "allowlist" }
 * @param {{ replicas?: number }} [options] how many more processes to start alongside, in parallel
 * @returns {Promise<{ url: string, databaseUrl: string, log: () => string,
 *   others: { url: string, log: () => string }[],
 *   startAnother: (env?: Record<string, string>) => Promise<{ url: string, log: () => string }>,
 *   stop: () => Promise<void> }>}
 */
export async function startServer(env = {}, { replicas = 0 } = {}) {
  const database = await throwawayDatabase();
  const settings = { JWT_SECRET: randomBytes(32).toString("hex"), ...env };
  const processes = [];
  const starting = new Set();
  const stop = async () => {
    await Promise.allSettled([...starting]); // so none is left running after the drop
    await Promise.all(processes.splice(0).map((server) => server.stop()));
    await database.drop();
  };
  const startAnother = async (more = {}) => {
    const start = serve(database.databaseUrl, { ...settings, ...more });
    starting.add(start);
    try {
      const server = await start;
      processes.push(server);
      return { url: server.url, log: server.log };
    } finally {
      starting.delete(start);
    }
  };

  let first, others;
  try {
    [first, ...others] = await Promise.all(Array.from({ length: 1 + replicas }, () => startAnother()));
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: first.url, databaseUrl: database.databaseUrl, log: first.log, others, startAnother, stop };
}

/** A `fetch` that records every request (method, URL, headers by lower-case name, parsed body) it sends. */
export function recordingFetch() {
  const calls = [];
  const wrapped = async (input, init = {}) => {
    const url = new URL(typeof input === "string" ? input : input.url);
    const method = (init.method ?? "GET").toUpperCase();
    const headers = Object.fromEntries(new Headers(init.headers).entries());
    const body = typeof init.body === "string" ? JSON.parse(init.body) : undefined;
    const response = await fetch(input, init);
    const json = await response.clone().json();
    calls.push({ method, url, headers, body, status: response.status, response: json });
    return response;
  };
  return { fetch: wrapped, calls };
}

/** One plain POST, for arranging data outside the client under test. */
export async function post(url, query, variables = {}, token) {
  const headers = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(url, { method: "POST", headers, body: JSON.stringify({ query, variables }) });
  return response.json();
}

let counter = 0;

/** A fresh account through the API itself; returns its token and user. */
export async function signUp(url) {
  counter += 1;
  const name = `client_${process.pid}_${counter}`;
  const result = await post(
    url,
    `mutation($input: RegisterInput!) {
      register(input: $input) { token viewer { user { id username } } errors { code message } }
    }`,
    { input: { username: name, email: `${name}@example.com`, password: "client-test-password" } },
  );
  const payload = result.data?.register;
  if (!payload?.token) throw new Error(`register failed: ${JSON.stringify(result)}`);
  return { token: payload.token, user: payload.viewer.user, email: `${name}@example.com`, password: "client-test-password" };
}

/**
 * A server on a primary with a streaming replica of it (support/streaming_replica.py),
 * reading queries there: the replica applies commits 300 ms late.
 * @returns {Promise<{ url: string, log: () => string, stop: () => Promise<void> }>}
 */
export async function startServerWithStreamingReplica(env = {}) {
  const clusters = await throwawayDatabase("streaming_replica.py");
  let server;
  try {
    server = await serve(clusters.databaseUrl, {
      JWT_SECRET: randomBytes(32).toString("hex"),
      REPLICA_DATABASE_URLS: clusters.replicaUrl,
      REPLICA_CHECK_INTERVAL: "0.1",
      ...env,
    });
  } catch (error) {
    await clusters.drop();
    throw error;
  }
  return {
    url: server.url,
    log: server.log,
    async stop() {
      await server.stop();
      await clusters.drop();
    },
  };
}
