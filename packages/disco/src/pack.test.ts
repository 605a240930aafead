import { packAndInstall } from "@canto/test-utils";
import { expect, it } from "vitest";

it("installs from its packed tarball and answers a disco#info query", () => {
  const install = packAndInstall("@canto/disco");
  try {
    const out = install.run(`
      import { createDiscoRegistry, createHostInfoCache, hostInfo, capsVer } from "@canto/disco";
      import { parse } from "ltx";
      const registry = createDiscoRegistry();
      registry.addIdentity("server", "im", "Packed");
      registry.addFeature("http://jabber.org/protocol/disco#info");
      const cache = createHostInfoCache(registry);
      const query = parse('<iq type="get" id="1" to="example.com"><query xmlns="http://jabber.org/protocol/disco#info"/></iq>');
      console.log(String(hostInfo(query, { source: cache })));
      console.log(capsVer([{ category: "client", type: "pc", name: "Exodus 0.9.1" }], [
        "http://jabber.org/protocol/caps", "http://jabber.org/protocol/disco#info",
        "http://jabber.org/protocol/disco#items", "http://jabber.org/protocol/muc"]));
    `);
    expect(out).toContain('<identity category="server" type="im" name="Packed"/>');
    expect(out).toContain("QgayPKawpkPSDYmwT/WM94uAlu0=");
  } finally {
    install.dispose();
  }
}, 180_000);
