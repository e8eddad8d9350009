// What the page says about this device's camera and microphone (the backend's `LocalDevices`,
// from the media's own reports): pure, so the wording rules are unit-tested.
import type { DeviceState, LocalDevices } from "../backend/types";
import type { I18nKey } from "../i18n/i18n";

export type DeviceKind = "camera" | "microphone";

const PROBLEMS: Record<DeviceKind, Record<Exclude<DeviceState, "ok">, I18nKey>> = {
  camera: { not_found: "device.camera.not_found", busy: "device.camera.busy", failed: "device.camera.failed" },
  microphone: { not_found: "device.microphone.not_found", busy: "device.microphone.busy", failed: "device.microphone.failed" },
};

/** The sentence for a device that does not work ("No camera found"), or null when it works. */
export function deviceProblem(kind: DeviceKind, devices: LocalDevices | null | undefined): I18nKey | null {
  const state = devices?.[kind] ?? "ok";
  return state === "ok" ? null : PROBLEMS[kind][state];
}
