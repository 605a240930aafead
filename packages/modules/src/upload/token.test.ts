import { describe, expect, it } from "vitest";
import { type SlotClaims, signSlot, verifySlot } from "./token.js";

const claims: SlotClaims = {
  sub: "alice@localhost",
  slot: "abc",
  filename: "a.txt",
  filesize: 5,
  filetype: "text/plain",
  iat: 1000,
  exp: 1300,
};

describe("slot tokens", () => {
  it("verify with the same secret and give the claims back", () => {
    expect(verifySlot("s3cret", signSlot("s3cret", claims))).toEqual(claims);
  });

  it("fail with another secret, a changed payload or a changed header", () => {
    const token = signSlot("s3cret", claims);
    expect(verifySlot("other", token)).toBeUndefined();
    const [header, , signature] = token.split(".");
    const bigger = Buffer.from(JSON.stringify({ ...claims, filesize: 5e9 })).toString("base64url");
    expect(verifySlot("s3cret", `${header}.${bigger}.${signature}`)).toBeUndefined();
    const none = Buffer.from(JSON.stringify({ alg: "none" })).toString("base64url");
    expect(verifySlot("s3cret", `${none}.${token.split(".")[1]}.`)).toBeUndefined();
    expect(verifySlot("s3cret", "garbage")).toBeUndefined();
  });
});
