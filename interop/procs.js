// What a browser's processes use, read from /proc: CPU seconds and proportional set size (PSS)
// of a process and every descendant (Chromium's browser, renderer, GPU, network and utility
// processes all descend from the one playwright launches).
"use strict";

const fs = require("fs");

const TICKS_PER_SECOND = 100;

/** `comm`, with Chromium's process type (`--type=renderer`, `gpu-process`, ...) when it has one. */
function nameOf(pid, comm) {
  try {
    // Chromium rewrites its command line as one space-separated title.
    const args = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split(/[\0 ]/);
    const type = args.find((a) => a.startsWith("--type="));
    const utility = args.find((a) => a.startsWith("--utility-sub-type="));
    if (utility) return `${comm}:${utility.slice("--utility-sub-type=".length).split(".").pop()}`;
    return type ? `${comm}:${type.slice("--type=".length)}` : comm;
  } catch {
    return comm;
  }
}

/** Every process as {pid, parent, name, cpuSeconds}. */
function processes() {
  const all = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // the process ended while we looked
    }
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    all.push({
      pid: Number(entry),
      parent: Number(fields[1]),
      name: nameOf(entry, stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"))),
      cpuSeconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND,
    });
  }
  return all;
}

/** `root` and all its descendants, as `processes()` gives them. */
function tree(root) {
  const all = processes();
  const children = new Map();
  for (const p of all) {
    if (!children.has(p.parent)) children.set(p.parent, []);
    children.get(p.parent).push(p);
  }
  const found = all.filter((p) => p.pid === root);
  for (let i = 0; i < found.length; i++) found.push(...(children.get(found[i].pid) ?? []));
  return found;
}

/** CPU seconds (user + system) of process `pid` and all its descendants. */
function treeCpuSeconds(pid) {
  return tree(pid).reduce((sum, p) => sum + p.cpuSeconds, 0);
}

/** CPU seconds of `root` and each descendant, by pid: {pid: {name, seconds}}. */
function cpuByProcess(root) {
  const by = {};
  for (const p of tree(root)) by[p.pid] = { name: p.name, seconds: p.cpuSeconds };
  return by;
}

/** PSS in KiB of one process (null once it is gone). */
function pssKib(pid) {
  try {
    const rollup = fs.readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
    const line = rollup.split("\n").find((l) => l.startsWith("Pss:"));
    return line ? Number(line.split(/\s+/)[1]) : null;
  } catch {
    return null;
  }
}

/** PSS of `root` and its descendants: the total in MiB and each process's share. */
function treePss(root) {
  const each = tree(root)
    .map((p) => ({ pid: p.pid, name: p.name, pssKib: pssKib(p.pid) }))
    .filter((p) => p.pssKib !== null);
  return { totalMib: each.reduce((sum, p) => sum + p.pssKib, 0) / 1024, processes: each };
}

module.exports = { cpuByProcess, treeCpuSeconds, treePss };
