import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount } from "../auth/index.js";
import { hasChromium, launchChromium } from "../shared/chromium.test-helper.js";
import { type Started, startBoshServer } from "./bosh.test-helper.js";
import { loginPage } from "./bosh-page.test-helper.js";

/**
 * A page in real headless Chromium (Debian's package; skipped where it is not installed), served
 * from another origin than the XMPP server, so BOSH goes through CORS and the WebSocket through
 * `cross_domain_websocket`.
 */
describe.skipIf(!hasChromium())("bosh and websocket in headless Chromium", () => {
  let s: Started;
  let pages: Server;
  let pageUrl: string;
  let context: BrowserContext;
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;

  beforeAll(async () => {
    s = await startBoshServer({}, { host: { cross_domain_websocket: true } });
    await createAccount(s.t.server, "localhost", "bob", "pw");
    const html = loginPage(s.boshUrl, s.url);
    pages = createServer((_request, response) => {
      response.writeHead(200, { "Content-Type": "text/html; charset=utf-8" }).end(html);
    });
    await new Promise<void>((resolve) => pages.listen(0, "127.0.0.1", resolve));
    pageUrl = `http://127.0.0.1:${(pages.address() as AddressInfo).port}/`;
    browser = await launchChromium("bosh");
    context = browser.context;
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => pages?.close(resolve));
    await s?.t.stop();
  });

  it("logs in over BOSH (fetch, cross-origin) and over WebSocket, and exchanges messages", async () => {
    const page = await context.newPage();
    await page.goto(pageUrl);
    await page
      .waitForFunction(() => (globalThis as { result?: unknown }).result !== undefined, undefined, {
        timeout: 20_000,
      })
      .catch(async (error: unknown) => {
        throw new Error(`${error}\npage log:\n${await page.textContent("#log")}`);
      });
    const result = await page.evaluate(() => (globalThis as { result?: unknown }).result);
    if ((result as { error?: string }).error !== undefined) {
      throw new Error(`${(result as { error: string }).error}\n${await page.textContent("#log")}`);
    }
    expect(result).toEqual({
      aliceJid: "alice@localhost/browser",
      bobJid: "bob@localhost/ws",
      toAlice: "from bob",
      toAliceFrom: "bob@localhost/ws",
      toBob: "from alice",
      toBobFrom: "alice@localhost/browser",
      ended: "terminate",
    });
    expect(s.bosh.sessions()).toEqual([]);
    await page.close();
  }, 40_000);
});
