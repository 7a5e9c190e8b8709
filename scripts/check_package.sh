#!/usr/bin/env bash
# The package as its users get it. npm: build and `npm pack` it, install the
# tarball in a new Bun app (bun init's strict tsconfig, Bun's own types), and
# run `tsc --noEmit` and `bun test` there: io.bun() must fit Bun.serve with
# no cast, and the official socket.io-client must get its answers. Deno: an
# app that imports every entry point through deno.json's "exports" (linked
# as a local JSR package) passes `deno check` and answers a handshake.
# Run by .ci/run after `npm ci`; needs the npm registry or its cache only.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
export PATH="$root/node_modules/.bin:$PATH"
export DENO_NO_UPDATE_CHECK=1

tmp="$(mktemp -d)"
SECONDS=0
trap 'rm -rf "$tmp"' EXIT

# Versions the apps install: the ones this repository pins.
pinned() { node -p "require('./package.json').devDependencies['$1']"; }

echo "check_package: npm pack (builds dist/)"
npm pack --pack-destination "$tmp" --loglevel=error >/dev/null
tarball="$(ls "$tmp"/webio-*.tgz)"
if tar -tzf "$tarball" | grep -E '\.ts$' | grep -vE '\.d\.ts$'; then
  echo "check_package: the tarball ships .ts sources" >&2
  exit 1
fi

# --- A Bun app ------------------------------------------------------------
app="$tmp/bun-app"
mkdir -p "$app"
cat >"$app/package.json" <<EOF
{
  "name": "bun-app",
  "private": true,
  "type": "module",
  "dependencies": {
    "socket.io-client": "$(pinned socket.io-client)",
    "webio": "file:$tarball"
  },
  "devDependencies": {
    "bun-types": "$(pinned bun-types)",
    "typescript": "$(pinned typescript)"
  }
}
EOF
# bun init's tsconfig, with Bun's types named, and the libraries' declarations
# checked too (skipLibCheck off): nothing of webio's may fail under it.
cat >"$app/tsconfig.json" <<'EOF'
{
  "compilerOptions": {
    "lib": ["ESNext"],
    "target": "ESNext",
    "module": "Preserve",
    "moduleDetection": "force",
    "jsx": "react-jsx",
    "allowJs": true,
    "moduleResolution": "bundler",
    "allowImportingTsExtensions": true,
    "verbatimModuleSyntax": true,
    "noEmit": true,
    "strict": true,
    "skipLibCheck": false,
    "noFallthroughCasesInSwitch": true,
    "noUncheckedIndexedAccess": true,
    "noImplicitOverride": true,
    "noUnusedLocals": false,
    "noUnusedParameters": false,
    "noPropertyAccessFromIndexSignature": false,
    "types": ["bun-types"]
  }
}
EOF
cat >"$app/app.ts" <<'EOF'
import { Server } from "webio";
import type { BunPair } from "webio/bun";

export interface ClientToServerEvents {
  add: (a: number, b: number, callback: (sum: number) => void) => void;
}
export interface ServerToClientEvents {
  hello: (name: string) => void;
}

/** A Socket.IO server behind the app's own Bun.serve, as the README shows it. */
export function start(port = 0) {
  const io = new Server<ClientToServerEvents, ServerToClientEvents>();
  io.on("connection", (socket) => {
    socket.emit("hello", "from Bun.serve");
    socket.on("add", (a, b, callback) => callback(a + b));
  });
  const socketio: BunPair = io.bun();
  const server = Bun.serve({
    port,
    fetch(request, srv) {
      if (new URL(request.url).pathname === "/") return new Response("home");
      return socketio.fetch(request, srv);
    },
    websocket: socketio.websocket,
  });
  // The pair as it is, too.
  const bare = Bun.serve({ port: 0, ...io.bun() });
  bare.stop(true);
  return { io, server };
}
EOF
cat >"$app/app.test.ts" <<'EOF'
import { expect, test } from "bun:test";
import { io as connect } from "socket.io-client";
import { start } from "./app.ts";

for (const transports of [["websocket"], ["polling"]] as const) {
  test(`socket.io-client over ${transports[0]} gets the greeting and an ack`, async () => {
    const { io, server } = start();
    const client = connect(`http://localhost:${server.port}`, { transports: [...transports] });
    try {
      const greeting = await new Promise<string>((resolve) => client.once("hello", resolve));
      expect(greeting).toBe("from Bun.serve");
      expect(await client.timeout(5000).emitWithAck("add", 40, 2)).toBe(42);
      expect(await (await fetch(`http://localhost:${server.port}/`)).text()).toBe("home");
    } finally {
      client.close();
      await io.close();
      await server.stop(true);
    }
  });
}
EOF
# The README's Bun.serve example as an application writes it: from the package,
# with Bun's own types instead of the declaration that serves `deno check`.
sed -e '/^\/\/ Bun.s global, as far as this file uses it/,/^\/\/ end of the declaration$/d' \
  -e 's#"\.\./mod\.ts"#"webio"#; s#"\.\./bun\.ts"#"webio/bun"#' \
  examples/bun_serve.ts >"$app/bun_serve.ts"
if grep -q 'declare const Bun\|\.\./' "$app/bun_serve.ts"; then
  echo "check_package: could not rewrite examples/bun_serve.ts" >&2
  exit 1
fi

echo "check_package: Bun app: install, tsc --noEmit, bun test"
(
  cd "$app"
  npm install --prefer-offline --no-audit --no-fund --loglevel=error >/dev/null
  echo "check_package: installed (${SECONDS}s)"
  if find node_modules/webio -name '*.ts' ! -name '*.d.ts' | grep .; then
    echo "check_package: node_modules/webio holds .ts sources" >&2
    exit 1
  fi
  ./node_modules/.bin/tsc --noEmit -p .
  # Stricter than bun init, and Node's module resolution: still clean.
  ./node_modules/.bin/tsc --noEmit -p . --exactOptionalPropertyTypes --noImplicitReturns
  ./node_modules/.bin/tsc --noEmit -p . --module nodenext --moduleResolution nodenext
  echo "check_package: tsc ok (${SECONDS}s)"
  bun test
  echo "check_package: bun test ok (${SECONDS}s)"
  # Node loads every entry point's JavaScript.
  node --input-type=module -e '
    for (const entry of ["webio", "webio/deno", "webio/bun", "webio/hono", "webio/node", "webio/engine", "webio/adapter"]) await import(entry);
    const { Server } = await import("webio");
    const io = new Server();
    const res = await io.handleRequest(new Request("http://x/socket.io/?EIO=4&transport=polling"));
    if (res.status !== 200 || !(await res.text()).startsWith("0{")) throw new Error("no handshake on Node");
    await io.close();
  '
  echo "check_package: Node loads the entry points (${SECONDS}s)"
)

# --- A Deno app -----------------------------------------------------------
deno_app="$tmp/deno-app"
mkdir -p "$deno_app"
cat >"$deno_app/deno.json" <<EOF
{
  "links": ["$root"],
  "imports": { "@webio/webio": "jsr:@webio/webio@^0.1.0" }
}
EOF
cat >"$deno_app/main.ts" <<'EOF'
import { Server } from "@webio/webio";
import { denoHandler } from "@webio/webio/deno";
import type { BunPair } from "@webio/webio/bun";
import { honoHandler } from "@webio/webio/hono";
import type { NodeHttpServerLike } from "@webio/webio/node";
import type { RequestInfo } from "@webio/webio/engine";
import { Adapter } from "@webio/webio/adapter";

class CountingAdapter extends Adapter {
  static broadcasts = 0;
  override broadcast(...args: Parameters<Adapter["broadcast"]>): void {
    CountingAdapter.broadcasts++;
    super.broadcast(...args);
  }
}

const io = new Server({ adapter: CountingAdapter });
const handler: (request: Request, info: Deno.ServeHandlerInfo) => Promise<Response> =
  denoHandler(io);
const info: RequestInfo = { remoteAddress: "127.0.0.1" };
const bun: () => BunPair = () => io.bun();
const node: NodeHttpServerLike | undefined = undefined;
void [handler, bun, node, honoHandler(io).handler];

const response = await io.handleRequest(
  new Request("http://localhost/socket.io/?EIO=4&transport=polling"),
  info,
);
const body = await response.text();
if (response.status !== 200 || !body.startsWith("0{")) throw new Error(`no handshake: ${body}`);
io.emit("hello");
if (CountingAdapter.broadcasts !== 1) throw new Error("the adapter was not used");
await io.close();
console.log("deno app: handshake ok");
EOF
echo "check_package: Deno app: deno check, deno run"
(
  cd "$deno_app"
  deno check main.ts
  echo "check_package: deno check ok (${SECONDS}s)"
  deno run --quiet main.ts
)
echo "check_package: ok (${SECONDS}s)"
