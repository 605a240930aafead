import { type CantoConfig, createTestServer, type TestServer } from "canto";
import { afterEach, describe, expect, it } from "vitest";
import { imModules } from "../im/index.js";
import { mucModules } from "./index.js";
import { createRoom, item, join, lastPresence, SERVICE, settle } from "./muc.test-helper.js";

// An occupant whose session ends without leaving: the VirtualHost's presence module sends the room
// unavailable presence for it (its directed presence), as in Prosody, and the room lets it go.

let t: TestServer | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

describe("muc: occupants whose session ends", () => {
  it("leave the room when their session closes", async () => {
    t = await createTestServer({
      modules: { ...imModules, ...mucModules },
      config: {
        modules_enabled: ["presence"],
        hosts: { localhost: {} },
        components: { [SERVICE]: { module: "muc" } },
      } as CantoConfig,
    });
    const alice = t.connect("alice@localhost/phone");
    await createRoom(alice, "coven", "Alice");
    const bob = t.connect("bob@localhost/desk");
    await join(bob, "coven", "Bob");
    expect(item(lastPresence(alice, `coven@${SERVICE}/Bob`)).role).toBe("participant");
    bob.close();
    await settle();
    const gone = lastPresence(alice, `coven@${SERVICE}/Bob`)!;
    expect(gone.attrs.type).toBe("unavailable");
    expect(item(gone).role).toBe("none");
    // The nick is free again.
    const bob2 = t.connect("bob@localhost/laptop");
    await join(bob2, "coven", "Bob");
    expect(item(lastPresence(bob2, `coven@${SERVICE}/Bob`)).jid).toBe("bob@localhost/laptop");
  });
});
