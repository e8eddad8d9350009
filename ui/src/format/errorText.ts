// A rejected command in the user's language. The backend rejects with `{ code, message }`
// (src-tauri/src/error.rs): `code` is stable and has a sentence here in each language; `message`
// is the backend's English detail, shown only as the details (a tooltip), for the curious and for
// bug reports.
import type { CommandError, ErrorCode } from "../backend/types";
import { t, type I18nKey } from "../i18n/i18n";

/** The sentence for each code the backend gives (ERROR_CODES in contract.ts). */
export const ERROR_KEYS: Record<ErrorCode, I18nKey> = {
  not_signed_in: "error.not_signed_in",
  no_invite: "error.no_invite",
  invalid: "error.invalid",
  insecure_server: "error.insecure_server",
  tls_untrusted: "error.tls_untrusted",
  server_refused: "error.server_refused",
  cannot_connect: "error.cannot_connect",
  connection_lost: "error.connection_lost",
  wrong_state: "error.wrong_state",
  safe_mode_mismatch: "error.safe_mode_mismatch",
  timeout: "error.timeout",
  unexpected_answer: "error.unexpected_answer",
  embedded_server: "error.embedded_server",
  io: "error.io",
  media: "error.media",
  desktop: "error.desktop",
  autostart: "error.autostart",
};

export type LocalError = {
  /** What happened, in the user's language. */
  text: string;
  /** The backend's own words (`code: message`), for a tooltip or a details line. */
  detail: string;
};

/** `error` as the page says it: a known code's sentence, else "unknown", with the raw detail. */
export function localError(error: unknown): LocalError {
  const e = error && typeof error === "object" ? (error as Partial<CommandError>) : {};
  const key = typeof e.code === "string" && Object.prototype.hasOwnProperty.call(ERROR_KEYS, e.code) ? ERROR_KEYS[e.code] : null;
  return { text: t(key ?? "error.unknown"), detail: rawDetail(error) };
}

/** The text to log for a rejected command: `{code, message}` by contract, anything else defensively. */
export function rawDetail(error: unknown): string {
  if (error && typeof error === "object" && "message" in error) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    return typeof code === "string" ? `${code}: ${String(message)}` : String(message);
  }
  return String(error);
}
