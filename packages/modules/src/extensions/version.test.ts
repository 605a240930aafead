import { afterEach, describe, expect, it } from "vitest";
import { ask, outcome, request, serverWith, stopServers } from "./extensions.test-helper.js";

afterEach(stopServers);

describe("version", () => {
  it("answers with name, version and operating system", async () => {
    const t = await serverWith(["version"]);
    const answer = await ask(
      t.connect("a@localhost/r"),
      request("get", "localhost", "query", "jabber:iq:version").stanza,
    );
    expect(outcome(answer)).toBe("result");
    const query = answer.getChild("query", "jabber:iq:version")!;
    expect(query.getChildText("name")).toBe("Canto");
    expect(query.getChildText("version")).toMatch(/^\d+\.\d+\.\d+/);
    expect(query.getChildText("os")).toBeTruthy();
  });

  it("leaves <os/> out with hide_os_type", async () => {
    const t = await serverWith(["version"], { hide_os_type: true, hosts: { localhost: {} } });
    const answer = await ask(
      t.connect("a@localhost/r"),
      request("get", "localhost", "query", "jabber:iq:version").stanza,
    );
    const query = answer.getChild("query", "jabber:iq:version")!;
    expect(query.getChild("os")).toBeUndefined();
    expect(query.getChildText("name")).toBe("Canto");
  });

  it("follows hide_os_type after a config reload, without reloading the module", async () => {
    const t = await serverWith(["version"]);
    const os = async () => {
      const answer = await ask(
        t.connect("a@localhost/r"),
        request("get", "localhost", "query", "jabber:iq:version").stanza,
      );
      return answer.getChild("query", "jabber:iq:version")!.getChild("os");
    };
    expect(await os()).toBeDefined();
    t.server.config.set("*", "hide_os_type", true);
    expect(await os()).toBeDefined(); // not before the reload is announced
    t.server.global.events.fire("config-reloaded", {});
    expect(await os()).toBeUndefined();
  });
});
