// Settings: devices with a live before/after preview and a mic meter, beauty, video, timeout,
// language, appearance (light, dark or the system's), the debug overlay, start at login, the mini window, "Copy
// diagnostics" and, under Advanced, the ICE policy. Beauty and whiteness apply as the sliders move
// (so the "after" preview shows them); everything else applies on Save. A camera or microphone the
// preview cannot open is said over the preview and beside the meter (the state's `preview`).
import type { AppContext } from "../app/context";
import { deviceProblem } from "../app/devices";
import { h, localize, setText, show as showEl } from "../app/dom";
import { localError } from "../format/errorText";
import { ICE_POLICIES, RESOLUTIONS, THEMES, type Device, type Settings } from "../backend/types";
import { STREAM_LOCAL, STREAM_LOCAL_RAW } from "../frames/header";
import { onLocaleChange, t, type I18nKey } from "../i18n/i18n";
import { createRenderer } from "../video/createRenderer";
import { streamSink } from "../video/streamSink";
import type { VideoRenderer } from "../video/renderer";

const LIVE_APPLY_MS = 200;

export type SettingsView = { root: HTMLElement; enter(): Promise<void>; leave(): void };

export function settingsView(ctx: AppContext): SettingsView {
  const camera = h("select", { name: "camera", testid: "settings-camera" });
  const microphone = h("select", { name: "microphone", testid: "settings-microphone" });
  const speaker = h("select", { name: "speaker", testid: "settings-speaker" });
  const before = h("canvas", { class: "preview-canvas", testid: "preview-before" });
  const after = h("canvas", { class: "preview-canvas", testid: "preview-after" });
  const meterBar = h("div", { class: "meter-bar" });
  const meter = h("div", { class: "meter", testid: "mic-meter", role: "meter", "aria-valuemin": 0, "aria-valuemax": 1 }, meterBar);
  const cameraNote = h("div", { class: "preview-note", testid: "preview-camera-note" });
  const micNote = h("div", { class: "preview-note", testid: "preview-mic-note" });
  const slider = (testid: string) => h("input", { type: "range", min: 0, max: 9, step: 1, testid });
  const beauty = slider("settings-beauty");
  const whiteness = slider("settings-whiteness");
  const beautyValue = h("output", { class: "slider-value" });
  const whitenessValue = h("output", { class: "slider-value" });
  const resolution = h("select", { name: "resolution", testid: "settings-resolution" },
    ...RESOLUTIONS.map((r) => h("option", { value: r }, r)));
  const bitrate = h("input", { type: "number", min: 200, max: 4000, step: 100, testid: "settings-bitrate" });
  const timeout = h("input", { type: "number", min: 10, max: 120, step: 5, testid: "settings-timeout" });
  const language = h("select", { name: "language", testid: "settings-language" },
    localize(h("option", { value: "auto" }), () => t("settings.langAuto")),
    h("option", { value: "zh" }, "中文"),
    h("option", { value: "en" }, "English"));
  const theme = h("select", { name: "theme", testid: "settings-theme" },
    localize(h("option", { value: "system" }), () => t("settings.themeSystem")),
    localize(h("option", { value: "light" }), () => t("settings.themeLight")),
    localize(h("option", { value: "dark" }), () => t("settings.themeDark")));
  const debug = h("input", { type: "checkbox", testid: "settings-debug" });
  const startAtLogin = h("input", { type: "checkbox", testid: "settings-start-at-login" });
  const miniWindow = h("input", { type: "checkbox", testid: "settings-mini-window" });
  const copyDiagnostics = h("button", { type: "button", class: "btn", testid: "settings-copy-diagnostics" });
  localize(copyDiagnostics, () => t("settings.copyDiagnostics"));
  const icePolicy = h("select", { name: "icePolicy", testid: "settings-ice-policy" },
    localize(h("option", { value: "all" }), () => t("settings.iceAll")),
    localize(h("option", { value: "relay" }), () => t("settings.iceRelay")));
  const save = h("button", { type: "button", class: "btn btn-primary", testid: "settings-save" });
  localize(save, () => t("settings.save"));

  const label = (key: I18nKey, control: HTMLElement, extra?: HTMLElement) =>
    h("label", { class: "field" }, h("span", { class: "field-label" }, localize(h("span"), () => t(key)), extra ?? null), control);
  const card = (key: I18nKey, ...children: HTMLElement[]) =>
    h("div", { class: "card" }, localize(h("h3"), () => t(key)), ...children);

  const root = h(
    "section",
    { class: "page settings-page" },
    h("header", { class: "page-header" }, localize(h("h2"), () => t("settings.title")), save),
    h("div", { class: "settings-grid" },
      card("settings.devices",
        label("settings.camera", camera), label("settings.microphone", microphone), label("settings.speaker", speaker),
        h("div", { class: "field" }, localize(h("span", { class: "field-label" }), () => t("settings.micLevel")), meter, micNote)),
      card("settings.preview",
        cameraNote,
        h("div", { class: "preview-pair" },
          h("figure", {}, before, localize(h("figcaption"), () => t("settings.before"))),
          h("figure", {}, after, localize(h("figcaption"), () => t("settings.after")))),
        label("settings.beauty", beauty, beautyValue),
        label("settings.whiteness", whiteness, whitenessValue)),
      card("settings.videoSection",
        label("settings.resolution", resolution), label("settings.maxBitrate", bitrate), label("settings.callTimeout", timeout)),
      card("settings.general",
        label("settings.language", language),
        label("settings.theme", theme),
        h("label", { class: "check" }, debug, localize(h("span"), () => t("settings.debug"))),
        h("label", { class: "check" }, startAtLogin, localize(h("span"), () => t("settings.startAtLogin"))),
        h("label", { class: "check" }, miniWindow, localize(h("span"), () => t("settings.miniWindow"))),
        h("div", { class: "field" }, copyDiagnostics,
          localize(h("p", { class: "form-hint" }), () => t("settings.diagnosticsHint")))),
      card("settings.advanced",
        label("settings.icePolicy", icePolicy),
        localize(h("p", { class: "form-hint" }), () => t("settings.iceHint")))),
  );

  let renderers: { before: VideoRenderer | null; after: VideoRenderer | null } | null = null;
  let liveTimer: ReturnType<typeof setTimeout> | null = null;
  let active = false;

  const fillDevices = (select: HTMLSelectElement, devices: Device[], chosen: string | null) => {
    select.replaceChildren(
      localize(h("option", { value: "" }), () => t("settings.default")),
      ...devices.map((d) => h("option", { value: d.id }, d.name)),
    );
    select.value = chosen !== null && devices.some((d) => d.id === chosen) ? chosen : "";
  };

  const show = (s: Settings) => {
    beauty.value = String(s.beauty);
    whiteness.value = String(s.whiteness);
    setText(beautyValue, String(s.beauty));
    setText(whitenessValue, String(s.whiteness));
    resolution.value = s.resolution;
    bitrate.value = String(s.maxBitrateKbps);
    timeout.value = String(s.callTimeoutS);
    language.value = s.locale;
    theme.value = s.theme;
    debug.checked = s.debug;
    startAtLogin.checked = s.startAtLogin;
    miniWindow.checked = s.miniWindow;
    icePolicy.value = s.icePolicy;
  };

  const clamp = (value: string, min: number, max: number, fallback: number) => {
    const n = Math.round(Number(value));
    return Number.isFinite(n) && value !== "" ? Math.min(max, Math.max(min, n)) : fallback;
  };

  const fromForm = (base: Settings): Settings => ({
    camera: camera.value || null,
    microphone: microphone.value || null,
    speaker: speaker.value || null,
    beauty: clamp(beauty.value, 0, 9, base.beauty),
    whiteness: clamp(whiteness.value, 0, 9, base.whiteness),
    resolution: RESOLUTIONS.find((r) => r === resolution.value) ?? base.resolution,
    maxBitrateKbps: clamp(bitrate.value, 200, 4000, base.maxBitrateKbps),
    callTimeoutS: clamp(timeout.value, 10, 120, base.callTimeoutS),
    locale: language.value === "zh" || language.value === "en" ? language.value : "auto",
    theme: THEMES.find((x) => x === theme.value) ?? base.theme,
    debug: debug.checked,
    startAtLogin: startAtLogin.checked,
    miniWindow: miniWindow.checked,
    icePolicy: ICE_POLICIES.find((p) => p === icePolicy.value) ?? base.icePolicy,
  });

  const apply = async (next: Settings) => {
    const applied = await ctx.run(ctx.commands.setSettings(next));
    if (applied) ctx.settings.set(applied);
    return applied;
  };

  const liveBeauty = () => {
    setText(beautyValue, beauty.value);
    setText(whitenessValue, whiteness.value);
    if (liveTimer) clearTimeout(liveTimer);
    liveTimer = setTimeout(() => {
      const saved = ctx.settings.get();
      if (!saved) return;
      const next = fromForm(saved);
      apply({ ...saved, beauty: next.beauty, whiteness: next.whiteness });
    }, LIVE_APPLY_MS);
  };
  beauty.addEventListener("input", liveBeauty);
  whiteness.addEventListener("input", liveBeauty);

  save.addEventListener("click", async () => {
    const saved = ctx.settings.get();
    if (!saved) return;
    let applied: Settings;
    try {
      applied = await ctx.commands.setSettings(fromForm(saved));
    } catch (error) {
      // The desktop refused the autostart entry: nothing was saved, so the box shows the saved
      // choice again and the user reads why in their language.
      if (isCode(error, "autostart")) {
        startAtLogin.checked = saved.startAtLogin;
        ctx.toasts.show(t("settings.startAtLoginFailed"), "error", localError(error).detail);
      } else {
        const { text, detail } = localError(error);
        ctx.toasts.show(text, "error", detail);
      }
      return;
    }
    ctx.settings.set(applied);
    show(applied);
    ctx.toasts.show(t("settings.saved"));
  });

  copyDiagnostics.addEventListener("click", async () => {
    // The backend builds the report and puts it on the clipboard itself.
    const done = await ctx.run(ctx.commands.copyDiagnostics().then(() => true));
    if (done) ctx.toasts.show(t("settings.diagnosticsCopied"));
  });

  const showDevices = () => {
    const preview = ctx.state.get().preview;
    for (const [note, kind] of [[cameraNote, "camera"], [micNote, "microphone"]] as const) {
      const problem = deviceProblem(kind, preview);
      setText(note, problem ? t(problem) : "");
      showEl(note, problem !== null);
    }
  };
  ctx.state.subscribe(showDevices);
  onLocaleChange(showDevices);
  showDevices();

  ctx.micLevel.subscribe((level) => {
    const clamped = Math.min(1, Math.max(0, level));
    meterBar.style.width = `${Math.round(clamped * 100)}%`;
    meter.setAttribute("aria-valuenow", clamped.toFixed(2));
    meter.dataset.level = clamped.toFixed(2);
  });

  return {
    root,
    async enter() {
      active = true;
      renderers ??= { before: createRenderer(before, true), after: createRenderer(after, true) };
      const { before: b, after: a } = renderers;
      ctx.frames.setSink(STREAM_LOCAL_RAW, streamSink(b, STREAM_LOCAL_RAW, ctx.displaySizes));
      ctx.frames.setSink(STREAM_LOCAL, streamSink(a, STREAM_LOCAL, ctx.displaySizes));
      const [devices, settings] = await Promise.all([
        ctx.run(ctx.commands.devices()),
        ctx.run(ctx.commands.getSettings()),
      ]);
      if (settings) ctx.settings.set(settings);
      const s = ctx.settings.get();
      if (devices) {
        fillDevices(camera, devices.cameras, s?.camera ?? null);
        fillDevices(microphone, devices.microphones, s?.microphone ?? null);
        fillDevices(speaker, devices.speakers, s?.speaker ?? null);
      }
      if (s) show(s);
      // The user may have left while the lists loaded: do not turn the camera on behind their back.
      // A camera that does not open is said over the preview (the state's `preview`), not as an
      // error toast.
      if (active) await ctx.commands.setPreview(true).catch((error) => console.debug("preview", error));
    },
    leave() {
      if (!active) return;
      active = false;
      ctx.frames.setSink(STREAM_LOCAL_RAW, null);
      ctx.frames.setSink(STREAM_LOCAL, null);
      renderers?.before?.clear();
      renderers?.after?.clear();
      ctx.run(ctx.commands.setPreview(false));
    },
  };
}

function isCode(error: unknown, code: string): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === code;
}
