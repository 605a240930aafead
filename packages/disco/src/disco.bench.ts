import { parse } from "ltx";
import { bench, describe } from "vitest";
import { createHostInfoCache } from "./cache.js";
import { hostInfo } from "./info.js";
import { NS_DISCO_INFO, NS_SERVERINFO } from "./namespaces.js";
import { addDiscoDefaults, createDiscoRegistry } from "./registry.js";

// A host about the size of a real Prosody VirtualHost: server/im and pubsub/pep, 30 features, a
// XEP-0157 contact form, with some features added twice (several modules advertise them).
const registry = createDiscoRegistry();
addDiscoDefaults(registry, { hostType: "local", name: "Example" });
registry.addIdentity("pubsub", "pep", "Personal Eventing Protocol");
for (let i = 0; i < 28; i++) registry.addFeature(`urn:xmpp:example:feature:${i}`);
for (let i = 0; i < 5; i++) registry.addFeature(`urn:xmpp:example:feature:${i}`);
registry.addExtension({
  formType: NS_SERVERINFO,
  fields: [
    { var: "abuse-addresses", value: ["mailto:abuse@example.com", "xmpp:abuse@example.com"] },
    { var: "admin-addresses", value: ["xmpp:admin@example.com"] },
    { var: "support-addresses", value: ["https://example.com/support"] },
  ],
});
const cache = createHostInfoCache(registry);

const plain = parse(
  `<iq type="get" id="b1" from="juliet@example.com/balcony" to="example.com"><query xmlns="${NS_DISCO_INFO}"/></iq>`,
);
const options = { time: 2000, warmupTime: 500 };

const capsNode = parse(
  `<iq type="get" id="b2" from="juliet@example.com/balcony" to="example.com">` +
    `<query xmlns="${NS_DISCO_INFO}" node="http://prosody.im#${cache.capsVer()}"/></iq>`,
);

describe("host disco#info, no node", () => {
  bench(
    "cached (HostInfoCache)",
    () => {
      hostInfo(plain, { source: cache });
    },
    options,
  );
  bench(
    "uncached (registry: build the query per request)",
    () => {
      hostInfo(plain, { source: registry });
    },
    options,
  );
});

describe("host disco#info, node = caps node (needs the ver)", () => {
  bench(
    "cached (HostInfoCache)",
    () => {
      hostInfo(capsNode, { source: cache });
    },
    options,
  );
  bench(
    "uncached (registry: build the query and hash it per request)",
    () => {
      hostInfo(capsNode, { source: registry });
    },
    options,
  );
});
