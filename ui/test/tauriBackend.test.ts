// @vitest-environment jsdom
// The real Backend over Tauri's own IPC mocks: args pass through unchanged (camelCase keys),
// rejections keep the contract's {code, message}, event handlers get the payload, the label reads.
import { emit } from "@tauri-apps/api/event";
import { clearMocks, mockIPC, mockWindows } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, it } from "vitest";
import { Commands } from "../src/backend/commands";
import { rawDetail } from "../src/format/errorText";
import { insideTauri, tauriBackend } from "../src/backend/tauriBackend";

afterEach(() => clearMocks());

describe("tauriBackend", () => {
  it("invokes commands with the contract's names and camelCase args", async () => {
    const seen: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      seen.push([cmd, args]);
      if (cmd === "call") return { callId: "c1" };
      return null;
    });
    const commands = new Commands(tauriBackend());
    expect(await commands.call("bob", 2)).toEqual({ callId: "c1" });
    await commands.signIn({ server: "", appKey: "k", account: "a", token: "t", tlsCaFile: "/c/ca.pem", insecure: true });
    expect(await commands.importCa("ca.pem", "PEM")).toBeNull();
    await commands.switchCallType(1);
    await commands.setPreview(true);
    expect(seen).toEqual([
      ["call", { account: "bob", callType: 2 }],
      ["sign_in", { server: "", appKey: "k", account: "a", token: "t", tlsCaFile: "/c/ca.pem", insecure: true }],
      ["import_ca", { fileName: "ca.pem", pem: "PEM" }],
      ["switch_call_type", { callType: 1 }],
      ["set_preview", { on: true }],
    ]);
    expect(insideTauri()).toBe(true);
  });

  it("passes a command's {code, message} rejection through", async () => {
    mockIPC(() => {
      throw { code: "busy", message: "a call is already ringing" };
    });
    const error = await new Commands(tauriBackend()).hangup().catch((e: unknown) => e);
    expect(error).toEqual({ code: "busy", message: "a call is already ringing" });
    expect(rawDetail(error)).toBe("busy: a call is already ringing");
  });

  it("hands event payloads to listeners and reads the window label", async () => {
    mockIPC(() => null, { shouldMockEvents: true });
    mockWindows("popup", "main");
    const backend = tauriBackend();
    const got: unknown[] = [];
    await backend.listen("app-state", (payload) => got.push(payload));
    await emit("app-state", { status: "idle" });
    expect(got).toEqual([{ status: "idle" }]);
    expect(backend.windowLabel()).toBe("popup");
  });
});
