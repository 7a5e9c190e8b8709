// The official Socket.IO Admin UI (`@socket.io/admin-ui`), unchanged, on webio:
// `instrument(io)` adds the /admin namespace the UI talks to, and the UI that
// the package ships (`ui/dist`) is served at /admin/ by the same node:http
// server, so it works offline and needs no CORS. Open http://localhost:3000/admin/,
// connect to http://localhost:3000 as admin / changeit. Runs on Deno and Bun.
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { instrument } from "@socket.io/admin-ui";
import { Server } from "../mod.ts";

const UI = new URL("../node_modules/@socket.io/admin-ui/ui/dist/", import.meta.url);
const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  png: "image/png",
};

const httpServer = createServer(async (req, res) => {
  const path = new URL(req.url ?? "/", "http://localhost").pathname;
  if (path === "/admin") return void res.writeHead(301, { location: "/admin/" }).end();
  const file = path.startsWith("/admin/") ? path.slice(7) || "index.html" : undefined;
  if (file === undefined || file.split("/").includes("..")) {
    return void res.writeHead(404).end();
  }
  try {
    const body = await readFile(new URL(file, UI));
    res.writeHead(200, { "content-type": TYPES[file.split(".").pop()!] ?? "" }).end(body);
  } catch {
    res.writeHead(404).end();
  }
});

const io = new Server(httpServer);
io.on("connection", (socket) => {
  socket.join("lobby");
  socket.on("ping", (callback) => callback("pong"));
});

// The package's types name the official `Server`, hence the cast.
instrument(io as unknown as Parameters<typeof instrument>[0], {
  // bcrypt hash of "changeit" (`require("bcryptjs").hashSync("changeit", 10)`)
  auth: {
    type: "basic",
    username: "admin",
    password: "$2a$10$AMfkkpqjjfacfv.lb6hylezjd/NfacW5WbtsJcpKwgnLTJsgeqjTi",
  },
  mode: "development", // every event and socket; "production" sends the stats only
});

const port = Number(globalThis.process?.env.PORT ?? 3000);
httpServer.listen(port, () => console.log(`listening on ${port}`));
