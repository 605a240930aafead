import { disco, type Element } from "canto";
import { afterEach, describe, expect, it } from "vitest";
import { ask, request, serverWith, stopServers } from "./extensions.test-helper.js";
import { readContactInfo } from "./server_contact_info.js";

afterEach(stopServers);

let asker = 0;

async function serverInfo(t: Awaited<ReturnType<typeof serverWith>>, host = "localhost") {
  const answer = await ask(
    t.connect(`someone@${host}/r${++asker}`),
    request("get", host, "query", disco.NS_DISCO_INFO).stanza,
  );
  const forms = answer.getChild("query", disco.NS_DISCO_INFO)!.getChildren("x", "jabber:x:data");
  const form = forms.find((f: Element) => disco.formTypeOf(f) === disco.NS_SERVERINFO);
  if (form === undefined) return undefined;
  const fields: Record<string, string[]> = {};
  for (const field of form.getChildren("field")) {
    if (field.attrs.var === "FORM_TYPE") continue;
    fields[String(field.attrs.var)] = field.getChildren("value").map((v) => v.getText());
  }
  return fields;
}

describe("server_contact_info", () => {
  it("publishes contact_info as a serverinfo form in the host's disco#info", async () => {
    const t = await serverWith(["disco", "server_contact_info"], {
      admins: ["root@localhost"],
      contact_info: {
        abuse: "mailto:abuse@localhost",
        support: ["xmpp:help@localhost", "https://localhost/help"],
      },
      hosts: { localhost: {} },
    });
    expect(await serverInfo(t)).toEqual({
      "abuse-addresses": ["mailto:abuse@localhost"],
      "support-addresses": ["xmpp:help@localhost", "https://localhost/help"],
    });
  });

  it("lists the admins, global and the host's, as admin-addresses when contact_info is not set", async () => {
    const t = await serverWith(["disco", "server_contact_info"], {
      admins: ["root@localhost"],
      hosts: { localhost: {}, "other.example": { admins: ["boss@other.example"] } },
    });
    expect(await serverInfo(t)).toEqual({ "admin-addresses": ["xmpp:root@localhost"] });
    expect((await serverInfo(t, "other.example"))?.["admin-addresses"]?.sort()).toEqual([
      "xmpp:boss@other.example",
      "xmpp:root@localhost",
    ]);
  });

  it("publishes nothing without contact_info or admins, and withdraws the form on unload", async () => {
    const bare = await serverWith(["disco", "server_contact_info"]);
    expect(await serverInfo(bare)).toBeUndefined();
    await stopServers();
    const t = await serverWith(["disco", "server_contact_info"], {
      admins: ["root@localhost"],
      hosts: { localhost: {} },
    });
    expect(await serverInfo(t)).toBeDefined();
    await t.server.manager.unload("localhost", "server_contact_info");
    expect(await serverInfo(t)).toBeUndefined();
  });

  it("republishes the form after a config reload, and keeps it when the new contact_info is bad", async () => {
    const t = await serverWith(["disco", "server_contact_info"], {
      contact_info: { abuse: "mailto:abuse@localhost" },
      hosts: { localhost: {} },
    });
    t.server.config.set("*", "contact_info", { support: "xmpp:help@localhost" });
    t.server.global.events.fire("config-reloaded", {});
    expect(await serverInfo(t)).toEqual({ "support-addresses": ["xmpp:help@localhost"] });
    t.server.config.set("*", "contact_info", { support: 42 });
    t.server.global.events.fire("config-reloaded", {});
    expect(await serverInfo(t)).toEqual({ "support-addresses": ["xmpp:help@localhost"] });
  });

  it("rejects a malformed contact_info, naming the entry", async () => {
    expect(() => readContactInfo("mailto:x@y")).toThrow(/contact_info: expected a table/);
    expect(() => readContactInfo({ abuse: 42 })).toThrow(/abuse must be a URI or a list of URIs/);
    expect(() => readContactInfo({ abuse: ["mailto:a@b", "not a uri"] })).toThrow(/abuse\[1\] must be a URI/);
    expect(() => readContactInfo({ "Bad Kind": [] })).toThrow(/"Bad Kind" is not an address kind/);
    try {
      readContactInfo({ admin: [1] });
    } catch (error) {
      expect((error as { code?: string }).code).toBe("bad-contact-info");
    }
    const t = await serverWith(["disco"], { contact_info: { abuse: 42 }, hosts: { localhost: {} } });
    await expect(t.server.manager.load("localhost", "server_contact_info")).rejects.toThrow(/contact_info/);
  });
});
