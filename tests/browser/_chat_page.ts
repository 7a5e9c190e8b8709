/**
 * Drives one person's chat page in Chromium: log in, join rooms, send, and
 * read what the page shows. Also records everything the page's connection
 * receives on the wire (WebSocket frames and polling responses), to prove
 * what the server did not send.
 */
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";

/** The Chromium flags used for every test browser. */
export const CHROMIUM_ARGS: string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export class ChatPage {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Text of every Socket.IO frame or polling response the page received. */
  readonly wire: string[] = [];
  /** Uncaught errors of the page's scripts. */
  readonly errors: string[] = [];

  private constructor(context: BrowserContext, page: Page) {
    this.context = context;
    this.page = page;
    page.setDefaultTimeout(10000);
    page.on("pageerror", (err) => this.errors.push(String(err)));
    page.on("websocket", (ws) => {
      ws.on("framereceived", ({ payload }) => this.wire.push(String(payload)));
    });
    page.on("response", async (response) => {
      if (!response.url().includes("/socket.io/?")) return;
      try {
        this.wire.push(await response.text());
      } catch { /* page gone */ }
    });
  }

  /** Opens the chat in a fresh browser context (its own storage and network). */
  static async open(browser: Browser, url: string): Promise<ChatPage> {
    const context = await browser.newContext();
    const page = await context.newPage();
    const chat = new ChatPage(context, page);
    await page.goto(url);
    return chat;
  }

  /** Picks a nickname and waits until connected (and in room "general"). */
  async login(nickname: string): Promise<void> {
    await this.page.getByLabel("Nickname").fill(nickname);
    await this.page.getByRole("button", { name: "Start chatting" }).click();
    await this.connection("connected");
    await this.inRoom("general");
  }

  /** Joins (or creates) a room through the form and waits until it is shown. */
  async join(room: string): Promise<void> {
    await this.page.getByLabel("New room").fill(room);
    await this.page.getByLabel("New room").press("Enter");
    await this.inRoom(room);
  }

  /** Selects a room in the room list. */
  async select(room: string): Promise<void> {
    await this.page.locator(`#room-list li[data-room="${room}"] button`).click();
    await this.inRoom(room);
  }

  async inRoom(room: string): Promise<void> {
    await this.page.locator("#room-title", { hasText: `# ${room}` }).waitFor();
  }

  /** Types `text` into the message box without sending. */
  async type(text: string): Promise<void> {
    await this.page.getByLabel("Message", { exact: true }).pressSequentially(text);
  }

  /** Sends a message with the Enter key. */
  async send(text: string): Promise<void> {
    const input = this.page.getByLabel("Message", { exact: true });
    await input.fill(text);
    await input.press("Enter");
  }

  /** Messages of the shown room containing `text`. */
  message(text: string): Locator {
    return this.page.locator("#messages li.message", { hasText: text });
  }

  /** Waits until the message containing `text` has delivery state `status`. */
  async messageStatus(text: string, status: string): Promise<void> {
    await this.page.locator(`#messages li.message[data-status="${status}"]`, { hasText: text })
      .waitFor();
  }

  /** Waits until the connection badge shows `state` (and `transport`, if given). */
  async connection(state: string, transport?: string): Promise<void> {
    const transportSelector = transport ? `[data-transport="${transport}"]` : "";
    await this.page.locator(`#connection[data-state="${state}"]${transportSelector}`).waitFor();
  }

  /** Texts of the shown room's messages, in order. */
  messageTexts(): Promise<string[]> {
    return this.page.locator("#messages li.message .text").allTextContents();
  }

  /** Names in the "Online here" list. */
  async members(): Promise<string[]> {
    const names = await this.page.locator("#members li").allTextContents();
    return names.map((n) => n.replace(" (you)", ""));
  }

  /** Waits until the "Online here" list is exactly `names`. */
  async waitForMembers(names: string[], timeoutMs = 10000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let seen: string[] = [];
    while (Date.now() < deadline) {
      seen = await this.members();
      if (JSON.stringify(seen) === JSON.stringify(names)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`Members never became ${names.join(", ")}; last seen: ${seen.join(", ")}`);
  }

  /** The typing line under the messages. */
  typing(): Locator {
    return this.page.locator("#typing");
  }

  /** Whether anything this page received on the wire contains `text`. */
  received(text: string): boolean {
    return this.wire.some((payload) => payload.includes(text));
  }

  async close(): Promise<void> {
    await this.context.close();
  }
}
