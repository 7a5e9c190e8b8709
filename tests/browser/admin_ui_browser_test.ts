/**
 * The official Socket.IO Admin UI, as shipped in `@socket.io/admin-ui`
 * (`ui/dist`), in real headless Chromium against a webio server
 * instrumented with `instrument()` (basic auth), on the runtime running the
 * test (Deno or Bun). The page is served offline by a small static server;
 * requests to other hosts (its web fonts) are refused. Logging in with a
 * wrong password shows the server's refusal; the right one connects, and
 * the UI lists a connected socket and its room, and disconnects it.
 *
 * Needs Debian's /usr/bin/chromium (CI installs it); skipped without it.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer, type Server as HttpServer } from "node:http";
import { type Browser, chromium, type Page } from "playwright-core";
import { instrument } from "@socket.io/admin-ui";
import { CHROMIUM_ARGS } from "./_chat_page.ts";
import { type IoFixture, once, startIo } from "../_fixtures/io.ts";

const CHROMIUM = "/usr/bin/chromium";
const skip = existsSync(CHROMIUM)
  ? false
  : `${CHROMIUM} is missing (apt-get install chromium): browser tests skipped`;
if (skip) console.log(`SKIP: ${skip}`);

/** The UI's built files, as the package ships them. */
const UI_DIST = new URL("../../node_modules/@socket.io/admin-ui/ui/dist/", import.meta.url);
const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  png: "image/png",
  map: "application/json",
};

/** `bcryptjs.hashSync("changeit", 6)`. */
const PASSWORD_HASH = "$2a$06$neE.I3a8z5c.NGBxKtfOE.l6OdEumzOJi8I2HfLck0kCZ7zfoK0.G";

/** Serves `ui/dist` on 127.0.0.1; resolves with its origin. */
async function serveUi(): Promise<{ http: HttpServer; origin: string }> {
  const http = createServer(async (req, res) => {
    const path = new URL(req.url ?? "/", "http://ui").pathname.slice(1) || "index.html";
    if (path.split("/").includes("..")) {
      res.writeHead(400).end();
      return;
    }
    try {
      const body = await readFile(new URL(path, UI_DIST));
      const type = TYPES[path.slice(path.lastIndexOf(".") + 1)] ?? "application/octet-stream";
      res.writeHead(200, { "content-type": type }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const { port } = http.address() as { port: number };
  return { http, origin: `http://127.0.0.1:${port}` };
}

describe("the official Admin UI in Chromium", { skip }, () => {
  let browser: Browser;
  let ui: { http: HttpServer; origin: string };
  let f: IoFixture;

  before(async () => {
    [browser, ui] = await Promise.all([
      chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS }),
      serveUi(),
    ]);
    // The UI is another origin and connects with credentials, as with admin.socket.io.
    f = startIo({ cors: { origin: ui.origin, credentials: true } });
    f.io.on("connection", (socket) => {
      socket.data.name = "alice";
      socket.join("lobby");
    });
    instrument(f.io as unknown as Parameters<typeof instrument>[0], {
      auth: { type: "basic", username: "admin", password: PASSWORD_HASH },
      mode: "development", // its default reads NODE_ENV, which `bun test` sets to "test"
    });
  });

  after(async () => {
    await browser?.close();
    await f?.close();
    await new Promise((resolve) => ui?.http.close(resolve));
  });

  /** A page of the UI that reaches only the two local servers. */
  async function openUi(): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage();
    page.setDefaultTimeout(10000); // fail on the step, before the test times out
    const errors: string[] = [];
    page.on("pageerror", (err) => errors.push(String(err)));
    await page.route(
      "**/*",
      (route) =>
        new URL(route.request().url()).hostname === "127.0.0.1" ? route.continue() : route.abort(),
    );
    await page.goto(ui.origin + "/");
    return { page, errors };
  }

  /** Whether socket `id` is in `room`, as the server sees it. */
  async function inRoom(room: string, id: string): Promise<boolean> {
    return (await f.io.in(room).fetchSockets()).some((socket) => socket.id === id);
  }

  async function logIn(page: Page, password: string): Promise<void> {
    await page.getByLabel("Server URL").fill(f.url);
    await page.getByLabel("Username").fill("admin");
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Connect" }).click();
  }

  test("log in, see the socket and its room; join, leave and disconnect from the UI", {
    timeout: 30000,
  }, async () => {
    const user = f.client("/", { transports: ["websocket"] });
    await once(user, "connect");
    const userId = user.id!;
    const { page, errors } = await openUi();
    try {
      await logIn(page, "wrong");
      await page.getByText("invalid credentials").waitFor();

      await page.getByLabel("Password").fill("changeit");
      await page.getByRole("button", { name: "Connect" }).click();
      await page.getByText(/^\s*connected\s*$/i).first().waitFor(); // the status chip
      // The dashboard's namespaces card, from server_stats.
      await page.getByText("/admin", { exact: true }).first().waitFor();

      await page.getByText("Sockets", { exact: true }).first().click();
      // The socket's row in the list (its page's rows hold the id or the transport, not both).
      const row = page.locator("tbody tr", { hasText: userId }).filter({ hasText: "WebSocket" });
      await row.waitFor();
      assert.match(await row.innerText(), /127\.0\.0\.1/);
      assert.match(await row.innerText(), /WebSocket/);

      await page.getByText("Rooms", { exact: true }).first().click();
      await page.locator("tbody tr", { hasText: "lobby" }).waitFor();

      // The socket's own page: its details, and the UI's join, leave and disconnect actions.
      await page.getByText("Sockets", { exact: true }).first().click();
      await row.click();
      await page.getByText('"alice"').first().waitFor(); // socket.data
      const roomsCard = page.locator(".v-card", { hasText: "Join a room" });
      await roomsCard.getByLabel("Join a room").fill("vip");
      await roomsCard.locator("button:has(i.mdi-tag-plus-outline)").click();
      await roomsCard.locator("tr", { hasText: "vip" }).waitFor();
      assert.ok(await inRoom("vip", userId), "the UI's join reached the socket");

      // The leave button is in the room's row, which also opens the room's page.
      await roomsCard.locator("tr", { hasText: "lobby" }).locator("button").click();
      await page.getByText(/^\s*deleted\s*$/i).first().waitFor(); // the room emptied
      assert.ok(!(await inRoom("lobby", userId)), "the UI's leave reached the socket");

      await page.getByText("Sockets", { exact: true }).first().click();
      await row.click();
      await page.getByText('"alice"').first().waitFor();
      const gone = once(user, "disconnect");
      await page.locator("button:has(i.mdi-logout)").first().click();
      assert.equal((await gone)[0], "io server disconnect");
      await page.getByText(/^\s*disconnected\s*$/i).first().waitFor();
      assert.deepEqual(errors, [], "uncaught errors in the page");
    } finally {
      await page.close();
    }
  });
});
