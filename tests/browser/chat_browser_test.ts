/**
 * The demo chat (examples/chat) in real headless Chromium, against the
 * Deno server and the Bun server: people in one room talk, a person in
 * another room receives nothing, over WebSocket and over long-polling; a
 * page that goes offline queues what it sends and delivers it on reconnect.
 *
 * Needs Debian's /usr/bin/chromium (CI installs it); skipped without it.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";
import { ChatPage, CHROMIUM_ARGS } from "./_chat_page.ts";
import { type ChatRuntime, type ChatServerProcess, startChatServer } from "./_chat_server.ts";

const CHROMIUM = "/usr/bin/chromium";
const skip = existsSync(CHROMIUM)
  ? false
  : `${CHROMIUM} is missing (apt-get install chromium): browser tests skipped`;
if (skip) console.log(`SKIP: ${skip}`);

const TEST_TIMEOUT_MS = 30000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const runtime of ["deno", "bun"] as ChatRuntime[]) {
  describe(`chat in Chromium, ${runtime} server`, { skip }, () => {
    let browser: Browser;
    let server: ChatServerProcess;
    let pages: ChatPage[] = [];

    const open = async (query = "") => {
      const page = await ChatPage.open(browser, server.url + "/" + query);
      pages.push(page);
      return page;
    };

    /** Closes this test's pages; fails on uncaught page errors. */
    const closePages = async () => {
      const errors = pages.flatMap((p) => p.errors);
      await Promise.all(pages.map((p) => p.close()));
      pages = [];
      assert.deepEqual(errors, [], "uncaught errors in the page");
    };

    before(async () => {
      [browser, server] = await Promise.all([
        chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS }),
        startChatServer(runtime),
      ]);
    });

    after(async () => {
      await browser?.close();
      const code = await server?.stop();
      assert.equal(code, 0, `Ctrl-C should stop the server cleanly:\n${server?.output()}`);
    });

    for (const mode of ["websocket", "polling"] as const) {
      test(
        `${mode}: two pages in one room chat, a page in another room receives nothing`,
        { timeout: TEST_TIMEOUT_MS },
        async () => {
          try {
            // The default client upgrades to WebSocket; ?transports=polling pins long-polling.
            const query = mode === "polling" ? "?transports=polling" : "";
            const room = `team ${mode}`;
            const elsewhere = `elsewhere ${mode}`;
            const [alice, bob, carol] = await Promise.all([open(query), open(query), open(query)]);
            await Promise.all([alice.login("alice"), bob.login("bob"), carol.login("carol")]);
            await alice.connection("connected", mode);
            await bob.connection("connected", mode);

            await alice.join(room);
            await bob.join(room);
            await carol.join(elsewhere);
            await alice.waitForMembers(["alice", "bob"]);
            await bob.waitForMembers(["alice", "bob"]);
            await carol.waitForMembers(["carol"]);

            // Typing notices are volatile (dropped when the transport is busy, as a
            // long-poll often is), so they are only checked over WebSocket.
            const typing = mode === "websocket";
            if (typing) {
              await alice.type("hel");
              await bob.typing().filter({ hasText: "alice is typing…" }).waitFor();
            }

            const hello = `hello bob over ${mode}`;
            await alice.send(hello);
            await alice.messageStatus(hello, "delivered");
            const received = bob.message(hello);
            await received.waitFor();
            assert.equal(await received.locator(".author").textContent(), "alice");
            assert.match(
              (await received.locator("time").getAttribute("datetime")) ?? "",
              /^\d{4}-\d\d-\d\dT/,
            );
            if (typing) {
              await bob.page.locator("#typing:empty").waitFor(); // the message ends the notice
              await alice.type("and"); // a new notice right after sending
              await bob.typing().filter({ hasText: "alice is typing…" }).waitFor();
            }

            const reply = `hi alice, bob here (${mode})`;
            await bob.send(reply);
            await bob.messageStatus(reply, "delivered");
            await alice.message(reply).waitFor();
            assert.deepEqual(await alice.messageTexts(), [hello, reply]);
            assert.deepEqual(await bob.messageTexts(), [hello, reply]);

            // Give any stray broadcast time to arrive, then check carol's page and wire.
            await sleep(300);
            assert.deepEqual(await carol.messageTexts(), []);
            assert.ok(carol.received(room), "carol's wire log works (she saw the room list)");
            assert.ok(!carol.received(hello) && !carol.received(reply), "carol got a message");
            assert.ok(!carol.received("alice is typing") && !carol.received('"typing"'));
            await carol.select("general");
            assert.deepEqual(await carol.messageTexts(), []);
          } finally {
            await closePages();
          }
        },
      );
    }

    test(
      "a page that goes offline shows its messages as queued and delivers them on reconnect",
      { timeout: TEST_TIMEOUT_MS },
      async () => {
        try {
          const room = "offline test";
          const [alice, bob] = await Promise.all([open(), open()]);
          await Promise.all([alice.login("alice"), bob.login("bob")]);
          await alice.connection("connected", "websocket");
          await alice.join(room);
          await bob.join(room);
          await bob.waitForMembers(["alice", "bob"]);

          // The network goes away: the page drops its transport and keeps
          // trying to reconnect, and every attempt fails while offline.
          await alice.context.setOffline(true);
          await alice.connection("offline");
          await bob.waitForMembers(["bob"]);
          const queued = ["sent while offline 1", "sent while offline 2"];
          for (const text of queued) await alice.send(text);
          for (const text of queued) await alice.messageStatus(text, "queued");
          await sleep(1500); // a few failed reconnection attempts
          await alice.connection("offline");
          for (const text of queued) await alice.messageStatus(text, "queued");
          assert.deepEqual(await bob.messageTexts(), []);

          // Back online: the client reconnects and flushes its buffer.
          await alice.context.setOffline(false);
          await alice.connection("connected");
          for (const text of queued) await alice.messageStatus(text, "delivered");
          await bob.message(queued[1]).waitFor();
          assert.deepEqual(await bob.messageTexts(), queued);
          await bob.waitForMembers(["alice", "bob"]);
          assert.deepEqual(await alice.messageTexts(), queued);
        } finally {
          await closePages();
        }
      },
    );
  });
}
