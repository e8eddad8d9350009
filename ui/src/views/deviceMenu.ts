// The small menu beside the mute and camera buttons: the microphones or cameras the backend lists
// now (asked anew at each opening, so one plugged in since is there), the one chosen marked;
// picking one switches the call to it live (select_device) and keeps it for the next calls.
import type { AppContext } from "../app/context";
import { h, icon, show } from "../app/dom";
import { ICONS } from "../app/icons";
import type { Device, PickableKind } from "../backend/types";
import { t } from "../i18n/i18n";

export type DeviceMenu = { toggle: HTMLButtonElement; menu: HTMLElement; close(): void };

export function deviceMenu(ctx: AppContext, kind: PickableKind): DeviceMenu {
  const testid = kind === "camera" ? "camera-menu" : "mic-menu";
  const toggle = h("button", { type: "button", class: "control-more", testid: `${testid}-toggle` }, icon(ICONS.chevronUp));
  const menu = h("div", { class: "device-menu", role: "menu", testid });
  menu.hidden = true;

  const labelToggle = () => {
    const text = t(kind === "camera" ? "device.chooseCamera" : "device.chooseMicrophone");
    toggle.title = text;
    toggle.setAttribute("aria-label", text);
  };

  const item = (device: Device, chosen: boolean) => {
    const button = h("button", { type: "button", class: "device-item", role: "menuitemradio", testid: `${testid}-item` },
      h("span", { class: "device-check" }, chosen ? icon(ICONS.check) : null), device.name);
    button.setAttribute("aria-checked", String(chosen));
    button.dataset.id = device.id;
    button.addEventListener("click", async () => {
      close();
      // select_device keeps the choice in the backend's Settings: the page's copy follows, so the
      // menu marks this device next time (and the settings view shows it).
      if ((await ctx.run(ctx.commands.selectDevice(kind, device.id))) === undefined) return;
      const settings = await ctx.run(ctx.commands.getSettings());
      if (settings) ctx.settings.set(settings);
    });
    return button;
  };

  const fill = (devices: Device[]) => {
    const settings = ctx.settings.get();
    const chosen = kind === "camera" ? settings?.camera : settings?.microphone;
    const heading = h("div", { class: "device-menu-title" }, t(kind === "camera" ? "device.cameras" : "device.microphones"));
    const items = devices.length
      ? devices.map((d, i) => item(d, chosen ? d.id === chosen : i === 0))
      : [h("div", { class: "device-empty", testid: `${testid}-empty` },
        t(kind === "camera" ? "device.noCameras" : "device.noMicrophones"))];
    menu.replaceChildren(heading, ...items);
  };

  const onOutside = (event: MouseEvent) => {
    if (!menu.contains(event.target as Node) && !toggle.contains(event.target as Node)) close();
  };
  const onKey = (event: KeyboardEvent) => {
    if (event.key === "Escape") close();
  };
  function close() {
    show(menu, false);
    toggle.setAttribute("aria-expanded", "false");
    document.removeEventListener("click", onOutside, true);
    document.removeEventListener("keydown", onKey, true);
  }
  const open = async () => {
    menu.replaceChildren(h("div", { class: "device-empty" }, t("device.looking")));
    show(menu, true);
    toggle.setAttribute("aria-expanded", "true");
    document.addEventListener("click", onOutside, true);
    document.addEventListener("keydown", onKey, true);
    const devices = await ctx.run(ctx.commands.devices());
    if (!menu.hidden) fill(devices ? (kind === "camera" ? devices.cameras : devices.microphones) : []);
  };

  toggle.addEventListener("click", () => (menu.hidden ? open() : close()));
  toggle.setAttribute("aria-haspopup", "menu");
  toggle.setAttribute("aria-expanded", "false");
  labelToggle();
  return { toggle, menu, close };
}
