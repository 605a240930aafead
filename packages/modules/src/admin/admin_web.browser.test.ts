import { copyFile, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasChromium, launchChromium } from "../shared/chromium.test-helper.js";
import { ADMIN, type AdminServer, startAdminServer, USER } from "./admin.test-helper.js";

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The page in a real headless Chromium (Debian's package); skipped where it is not installed. */
describe.skipIf(!hasChromium())("admin_web in headless Chromium", () => {
  let admin: AdminServer;
  let context: BrowserContext;
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;

  beforeAll(async () => {
    admin = await startAdminServer();
    browser = await launchChromium("admin");
    context = browser.context;
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await admin?.stop();
  });

  async function logIn(page: Page, username: string, password: string): Promise<void> {
    await page.goto(admin.base);
    await page.fill("#username", username);
    await page.fill("#password", password);
    await Promise.all([page.waitForLoadState("load"), page.click("#login-submit")]);
  }

  const row = (page: Page, module: string) =>
    page.locator(`tr.module[data-host="localhost"][data-module="${module}"]`);

  it("refuses a non-admin account with a 403 page", async () => {
    const page = await context.newPage();
    const answer = page.waitForResponse((response) => response.url().endsWith("/admin/login"));
    await logIn(page, USER.username, USER.password);
    expect((await answer).status()).toBe(403);
    expect(await page.textContent("#refused")).toBe(
      "mallory@localhost is not an administrator of localhost.",
    );
    expect(await page.locator("tr.module").count()).toBe(0);
    expect((await context.cookies()).filter((cookie) => cookie.name === "canto_admin")).toEqual([]);
    await page.close();
  }, 30_000);

  it("lets an admin see hosts, modules with status and sessions, then unload, load and reload a module", async () => {
    const page = await context.newPage();
    await logIn(page, ADMIN.username, ADMIN.password);
    expect(await page.textContent("#user")).toBe("boss@localhost");
    expect(await page.textContent("#hosts")).toContain("localhost");
    const cookie = (await context.cookies()).find((c) => c.name === "canto_admin");
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/admin" });
    // The status is text: the markup in it rendered as characters, not as a script element.
    expect(await row(page, "dummy_status").locator(".status-message").textContent()).toBe(
      `<script>alert("x")</script> & needs "attention"`,
    );
    expect(await page.locator("script").count()).toBe(0);
    expect(await row(page, "dummy_status").locator(".status-warn").textContent()).toBe("warn");
    expect(await page.textContent("#sessions")).toContain("alice@localhost/phone");

    await Promise.all([
      page.waitForLoadState("load"),
      row(page, "dummy_status").locator('button[data-action="unload"]').click(),
    ]);
    expect(await page.textContent("#flash")).toBe("Unloaded dummy_status on localhost.");
    expect(await row(page, "dummy_status").count()).toBe(0);
    expect(admin.server.manager.isLoaded("localhost", "dummy_status")).toBe(false);

    await page.selectOption("#load-host", "localhost");
    await page.fill("#load-name", "dummy_status");
    await Promise.all([page.waitForLoadState("load"), page.click("#load-submit")]);
    expect(await page.textContent("#flash")).toBe("Loaded dummy_status on localhost.");
    expect(await row(page, "dummy_status").count()).toBe(1);
    expect(admin.server.manager.isLoaded("localhost", "dummy_status")).toBe(true);

    const before = admin.server.manager.get("localhost", "dummy_status");
    await Promise.all([
      page.waitForLoadState("load"),
      row(page, "dummy_status").locator('button[data-action="reload"]').click(),
    ]);
    expect(await page.textContent("#flash")).toBe("Reloaded dummy_status on localhost.");
    expect(admin.server.manager.get("localhost", "dummy_status")).not.toBe(before);
    expect(admin.server.manager.isLoaded("localhost", "dummy_status")).toBe(true);

    // Its own row offers no buttons.
    expect(await row(page, "admin_web").locator("button").count()).toBe(0);

    const shot = join(browser!.profile, "admin.png");
    await page.screenshot({ path: shot, fullPage: true });
    expect((await stat(shot)).size).toBeGreaterThan(1000);
    expect((await readFile(shot)).subarray(0, 8)).toEqual(PNG_SIGNATURE);
    // To look at the page by eye: CANTO_ADMIN_SCREENSHOT=/tmp/admin.png npx vitest run ...
    if (process.env.CANTO_ADMIN_SCREENSHOT) await copyFile(shot, process.env.CANTO_ADMIN_SCREENSHOT);
    await page.close();
  }, 60_000);
});
