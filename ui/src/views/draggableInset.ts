// The peer's camera as an inset over their shared screen: dragged with the pointer anywhere on the
// stage, always kept wholly inside it (also when the window shrinks), back to its corner when the
// share ends. Its position is an inline transform-free left/top, so the CSS corner rule is the
// default and a drag only overrides it while the inset is on.
import { clampInset } from "../app/screenShare";

export type DraggableInset = { enable(on: boolean): void };

export function draggableInset(el: HTMLElement): DraggableInset {
  let on = false;
  let drag: { dx: number; dy: number; pointer: number } | null = null;
  const stage = () => el.parentElement;

  const place = (x: number, y: number) => {
    const parent = stage();
    if (!parent) return;
    const p = clampInset(x, y, { width: el.offsetWidth, height: el.offsetHeight },
      { width: parent.clientWidth, height: parent.clientHeight });
    el.style.left = `${p.x}px`;
    el.style.top = `${p.y}px`;
    el.style.right = el.style.bottom = "auto";
  };

  el.addEventListener("pointerdown", (e) => {
    if (!on) return;
    drag = { dx: e.clientX - el.offsetLeft, dy: e.clientY - el.offsetTop, pointer: e.pointerId };
    el.setPointerCapture?.(e.pointerId);
    el.classList.add("dragging");
    e.preventDefault();
  });
  el.addEventListener("pointermove", (e) => {
    if (drag && e.pointerId === drag.pointer) place(e.clientX - drag.dx, e.clientY - drag.dy);
  });
  const end = (e: PointerEvent) => {
    if (!drag || e.pointerId !== drag.pointer) return;
    drag = null;
    el.classList.remove("dragging");
  };
  el.addEventListener("pointerup", end);
  el.addEventListener("pointercancel", end);
  // A smaller window must not push a moved inset out of sight.
  window.addEventListener("resize", () => {
    if (on && el.style.left) place(el.offsetLeft, el.offsetTop);
  });

  return {
    enable(next) {
      if (next === on) return;
      on = next;
      el.classList.toggle("inset", on);
      if (!on) {
        drag = null;
        el.style.left = el.style.top = el.style.right = el.style.bottom = "";
      }
    },
  };
}
