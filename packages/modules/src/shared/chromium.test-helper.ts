import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";

/** Debian's Chromium; browser tests skip where it is not installed. */
export const CHROMIUM = "/usr/bin/chromium";
export const hasChromium = (): boolean => existsSync(CHROMIUM);

/**
 * Headless Chromium in a new empty profile, with the flags this machine needs (no sandbox as root,
 * no background connections to a network that is closed). `close()` ends it and removes the profile (a folder the test may write into).
 */
export async function launchChromium(
  name: string,
): Promise<{ context: BrowserContext; profile: string; close(): Promise<void> }> {
  const profile = await mkdtemp(join(tmpdir(), `canto-${name}-chromium-`));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  return {
    context,
    profile,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
