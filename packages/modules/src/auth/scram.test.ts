import { describe, expect, it } from "vitest";
import type { ScramCredentials } from "../shared/contracts.js";
import { PlainMechanism } from "./plain.js";
import type { SaslBackend, SaslStep } from "./sasl-mechanism.js";
import { deriveScramCredentials, type ScramHash, verifyPassword } from "./scram.js";
import { ScramMechanism } from "./scram-mechanism.js";

async function backendWith(hash: ScramHash, salt: string, iterations: number): Promise<SaslBackend> {
  const credentials = await deriveScramCredentials("pencil", hash, iterations, Buffer.from(salt, "base64"));
  return {
    host: "example.com",
    getScramCredentials: async (username, wanted) =>
      username === "user" && wanted === hash ? credentials : undefined,
    testPassword: async (username, password) => username === "user" && password === "pencil",
  };
}

const text = (step: SaslStep) => (step.type === "failure" ? "" : (step.data?.toString("utf8") ?? ""));

describe("SCRAM server against the RFC examples", () => {
  it("reproduces the RFC 5802 §5 SCRAM-SHA-1 exchange (user/pencil)", async () => {
    const backend = await backendWith("sha-1", "QSXCR+Q6sek8bf92", 4096);
    const scram = new ScramMechanism("sha-1", backend, { nonce: () => "3rfcNHYJY1ZVvWVs7j" });
    const first = await scram.step(Buffer.from("n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL"));
    expect(first.type).toBe("challenge");
    expect(text(first)).toBe("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096");
    const final = await scram.step(
      Buffer.from("c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts="),
    );
    expect(final).toMatchObject({ type: "success", username: "user" });
    expect(text(final)).toBe("v=rmF9pqV8S7suAoZWja4dJRkFsKQ=");
  });

  it("reproduces the RFC 7677 §3 SCRAM-SHA-256 exchange (user/pencil)", async () => {
    const backend = await backendWith("sha-256", "W22ZaJ0SNY7soEsUEjb6gQ==", 4096);
    const scram = new ScramMechanism("sha-256", backend, { nonce: () => "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0" });
    const first = await scram.step(Buffer.from("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"));
    expect(text(first)).toBe(
      "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
    );
    const final = await scram.step(
      Buffer.from(
        "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
      ),
    );
    expect(final).toMatchObject({ type: "success", username: "user" });
    expect(text(final)).toBe("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
  });

  it("refuses a wrong proof with not-authorized", async () => {
    const backend = await backendWith("sha-1", "QSXCR+Q6sek8bf92", 4096);
    const scram = new ScramMechanism("sha-1", backend, { nonce: () => "3rfcNHYJY1ZVvWVs7j" });
    await scram.step(Buffer.from("n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL"));
    const final = await scram.step(
      Buffer.from("c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=AAX8v3Bz2T0CJGbJQyF0X+HI4Ts="),
    );
    expect(final).toEqual({ type: "failure", condition: "not-authorized", text: undefined });
  });

  it("gives an unknown user a stable made-up salt, then the same failure as a wrong password", async () => {
    const backend = await backendWith("sha-1", "QSXCR+Q6sek8bf92", 4096);
    const salts: string[] = [];
    for (let i = 0; i < 2; i++) {
      const scram = new ScramMechanism("sha-1", backend, { nonce: () => "srv" });
      const first = text(await scram.step(Buffer.from("n,,n=nobody,r=abc")));
      expect(first).toMatch(/^r=abcsrv,s=[A-Za-z0-9+/=]+,i=10000$/);
      salts.push(first.split(",")[1]!);
      const final = await scram.step(
        Buffer.from(`c=biws,r=abcsrv,p=${Buffer.alloc(20, 1).toString("base64")}`),
      );
      expect(final).toEqual({ type: "failure", condition: "not-authorized", text: undefined });
    }
    expect(salts[0]).toBe(salts[1]);
  });

  it("accepts the y flag, refuses p= channel binding and mismatched binding data", async () => {
    const backend = await backendWith("sha-1", "QSXCR+Q6sek8bf92", 4096);
    const withY = new ScramMechanism("sha-1", backend, { nonce: () => "s" });
    expect((await withY.step(Buffer.from("y,,n=user,r=c"))).type).toBe("challenge");
    // c= must echo the y header, not n's "biws".
    expect(await withY.step(Buffer.from("c=biws,r=cs,p=AAAA"))).toMatchObject({
      type: "failure",
      condition: "malformed-request",
      text: expect.stringMatching(/channel binding data/),
    });
    const plus = new ScramMechanism("sha-1", backend);
    expect(await plus.step(Buffer.from("p=tls-unique,,n=user,r=c"))).toMatchObject({
      type: "failure",
      condition: "malformed-request",
      text: expect.stringMatching(/Channel binding is not supported/),
    });
  });

  it("answers malformed messages with malformed-request and a reason", async () => {
    const backend = await backendWith("sha-1", "QSXCR+Q6sek8bf92", 4096);
    const cases: [string, RegExp][] = [
      ["n=user,r=abc", /GS2 header/],
      ["n,,m=ext,n=user,r=abc", /mandatory/],
      ["n,,r=abc", /username/],
      ["n,,n=us=er,r=abc", /username/],
      ["n,,n=user", /nonce/],
      ["x,,n=user,r=abc", /channel binding flag/],
    ];
    for (const [message, reason] of cases) {
      const scram = new ScramMechanism("sha-1", backend);
      expect(await scram.step(Buffer.from(message))).toMatchObject({
        type: "failure",
        condition: "malformed-request",
        text: expect.stringMatching(reason),
      });
    }
    const scram = new ScramMechanism("sha-1", backend, { nonce: () => "s" });
    await scram.step(Buffer.from("n,,n=user,r=c"));
    expect(await scram.step(Buffer.from("c=biws,r=other,p=AAAA"))).toMatchObject({
      condition: "malformed-request",
      text: "nonce does not match",
    });
  });

  it("refuses an authzid naming another account with invalid-authzid, accepts its own", async () => {
    const backend = await backendWith("sha-1", "QSXCR+Q6sek8bf92", 4096);
    const other = new ScramMechanism("sha-1", backend);
    expect(await other.step(Buffer.from("n,a=admin@example.com,n=user,r=c"))).toMatchObject({
      condition: "invalid-authzid",
    });
    const own = new ScramMechanism("sha-1", backend);
    expect((await own.step(Buffer.from("n,a=USER@example.com,n=user,r=c"))).type).toBe("challenge");
  });

  it("sends an empty challenge when there is no initial response", async () => {
    const backend = await backendWith("sha-1", "QSXCR+Q6sek8bf92", 4096);
    const scram = new ScramMechanism("sha-1", backend, { nonce: () => "s" });
    expect(await scram.step(undefined)).toEqual({ type: "challenge", data: Buffer.alloc(0) });
    expect(text(await scram.step(Buffer.from("n,,n=user,r=c")))).toMatch(/^r=cs,/);
  });
});

describe("stored credentials", () => {
  it("verifies a password against its credentials and nothing else", async () => {
    const credentials: ScramCredentials = await deriveScramCredentials("secret", "sha-256", 4096);
    expect(await verifyPassword("secret", credentials)).toBe(true);
    expect(await verifyPassword("Secret", credentials)).toBe(false);
    expect(JSON.stringify(credentials)).not.toContain("secret");
  });
});

describe("PLAIN", () => {
  it("accepts the right password, refuses a wrong one and a malformed message", async () => {
    const backend = await backendWith("sha-1", "QSXCR+Q6sek8bf92", 4096);
    expect(await new PlainMechanism(backend).step(Buffer.from("\0User\0pencil"))).toEqual({
      type: "success",
      username: "user",
    });
    expect(await new PlainMechanism(backend).step(Buffer.from("\0user\0pen"))).toMatchObject({
      condition: "not-authorized",
    });
    expect(await new PlainMechanism(backend).step(Buffer.from("user\0pencil"))).toMatchObject({
      condition: "malformed-request",
    });
    expect(
      await new PlainMechanism(backend).step(Buffer.from("bob@example.com\0user\0pencil")),
    ).toMatchObject({
      condition: "invalid-authzid",
    });
  });
});
