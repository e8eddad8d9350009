// Call durations as shown on the call screen and in history.

/** mm:ss under an hour, h:mm:ss from an hour on; negative or non-finite input shows 00:00. */
export function formatDuration(ms: number): string {
  const total = Number.isFinite(ms) && ms > 0 ? Math.floor(ms / 1000) : 0;
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const mmss = `${pad(minutes)}:${pad(seconds)}`;
  return hours > 0 ? `${hours}:${mmss}` : mmss;
}

/** The running duration of a call answered at `answeredAtMs` (wall clock), at wall time `nowMs`. */
export function callDuration(answeredAtMs: number | null, nowMs: number): string {
  return answeredAtMs === null ? formatDuration(0) : formatDuration(nowMs - answeredAtMs);
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
