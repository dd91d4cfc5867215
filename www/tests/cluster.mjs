// What the scale-out tests start besides bridges: a throw-away PostgreSQL 15 cluster and nginx
// as the load balancer in front of the bridges, both from Debian's packages, each in a temporary
// folder on a free port and removed when stopped. PostgreSQL refuses to run as root (CI runs as
// root), so there it runs as the `postgres` user.
import { execFileSync, spawn } from "node:child_process";
import { chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const PG = "/usr/lib/postgresql/15/bin";

/** A port nothing listens on right now. */
export async function freePort(host = "127.0.0.1") {
  const server = createServer();
  await new Promise((listening) => server.listen(0, host, listening));
  const { port } = server.address();
  await new Promise((closed) => server.close(closed));
  return port;
}

/** Waits until `check()` is true, polling; fails after `ms`. */
export async function until(what, check, ms = 30_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((tick) => setTimeout(tick, 50));
  }
}

/** Starts a PostgreSQL cluster; `url` is its `postgres` database, for every bridge. */
export async function startPostgres() {
  const dir = mkdtempSync(join(tmpdir(), "baton-e2e-pg-"));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const [uid, gid] = ["-u", "-g"].map((flag) => Number(execFileSync("id", [flag, "postgres"]).toString()));
    chownSync(dir, uid, gid);
  }
  const command = (program, args) =>
    asRoot ? ["runuser", ["-u", "postgres", "--", join(PG, program), ...args]] : [join(PG, program), args];
  const data = join(dir, "data");
  execFileSync(...command("initdb", ["--auth=trust", "--no-sync", "--encoding=UTF8", "--locale=C.UTF-8", "-U", "baton", "-D", data]), {
    stdio: "ignore",
  });
  const port = await freePort();
  const server = spawn(
    ...command("postgres", ["-D", data, "-p", String(port), "-k", dir, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"]),
    { stdio: "ignore" },
  );
  const ready = () => {
    try {
      execFileSync(join(PG, "pg_isready"), ["-q", "-h", "127.0.0.1", "-p", String(port)]);
      return true;
    } catch {
      return false;
    }
  };
  await until("PostgreSQL to accept connections", ready);
  return {
    url: `postgres://baton@127.0.0.1:${port}/postgres`,
    async stop() {
      // SIGINT: PostgreSQL's fast shutdown.
      server.kill("SIGINT");
      await new Promise((done) => (server.exitCode !== null ? done() : server.once("exit", done)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Starts nginx balancing over `upstreams` (bridge ports on 127.0.0.1) round-robin, configured
 * as the README's "Running several bridges" says: no buffering of event streams, keep-alive to
 * the bridges, the visitor's address in `X-Forwarded-For`. It connects to the bridges from
 * `proxyAddress`, the address the bridges trust as their proxy. `log()` reads which bridge
 * served each request.
 */
export async function startNginx({ upstreams, proxyAddress = "127.0.0.3" }) {
  const dir = mkdtempSync(join(tmpdir(), "baton-e2e-nginx-"));
  const port = await freePort();
  const servers = upstreams.map((upstream) => `    server 127.0.0.1:${upstream};`).join("\n");
  writeFileSync(
    join(dir, "nginx.conf"),
    `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  log_format upstreams '$request_method $uri $status $upstream_addr';
  access_log ${dir}/access.log upstreams;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream bridges {
${servers}
    keepalive 32;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://bridges;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_bind ${proxyAddress};
      proxy_buffering off;
      proxy_cache off;
      proxy_read_timeout 1h;
      proxy_next_upstream error timeout http_502 http_503;
    }
  }
}
`,
  );
  const child = spawn("/usr/sbin/nginx", ["-p", dir, "-c", join(dir, "nginx.conf")], { stdio: ["ignore", "ignore", "pipe"] });
  let errors = "";
  child.stderr.on("data", (chunk) => (errors += chunk));
  const url = `http://127.0.0.1:${port}`;
  await until(`nginx to listen (${errors})`, async () => {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${errors}`);
    return fetch(`${url}/healthz`).then((response) => response.ok, () => false);
  });
  return {
    url: `${url}/`,
    /** `[method, path, status, upstream]` of each request nginx passed on, in order. */
    log() {
      return readFileSync(join(dir, "access.log"), "utf8").trim().split("\n").filter(Boolean).map((line) => line.split(" "));
    },
    async stop() {
      child.kill("SIGQUIT");
      await new Promise((done) => (child.exitCode !== null ? done() : child.once("exit", done)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
