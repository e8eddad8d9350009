// What the sign-in form says when sign_in fails. Two refusals are about the connection's safety
// and get their own sentence, in the user's language, naming the host: a plain ws:// server on
// another machine (insecure_server) and a certificate that does not verify (tls_untrusted).
// Anything else is "Sign-in failed: " and the error's code said in the user's language (errorText.ts).
import { localError } from "./errorText";
import type { CommandError, TlsReasonKind } from "../backend/types";
import { t, type I18nKey } from "../i18n/i18n";

const REASON_KEYS: Record<Exclude<TlsReasonKind, "other">, I18nKey> = {
  unknown_issuer: "tls.reason.unknown_issuer",
  wrong_name: "tls.reason.wrong_name",
  expired: "tls.reason.expired",
  not_yet_valid: "tls.reason.not_yet_valid",
  revoked: "tls.reason.revoked",
};

function asCommandError(error: unknown): Partial<CommandError> {
  return error && typeof error === "object" ? (error as Partial<CommandError>) : {};
}

/** The certificate problem in the current language; the SDK's own sentence when the kind is unknown. */
export function tlsReasonText(kind: TlsReasonKind | undefined, reason: string | undefined): string {
  const key = kind && kind !== "other" ? REASON_KEYS[kind] : undefined;
  return key ? t(key) : reason ?? "";
}

/** The server's refusals of a sign-in or sign-up, said in the user's language. */
const SERVER_CODE_KEYS: Record<string, I18nKey> = {
  bad_password: "signin.error.badPassword",
  weak_password: "signin.error.weakPassword",
  account_exists: "signin.error.accountExists",
  registration_closed: "signin.error.registrationClosed",
  invite_required: "signin.error.inviteRequired",
  bad_invite: "signin.error.badInvite",
  rate_limited: "signin.error.rateLimited",
  bad_token: "signin.error.badToken",
  token_expired: "signin.error.badToken",
  token_revoked: "signin.error.badToken",
};

export function signInErrorText(error: unknown, server = ""): string {
  const e = asCommandError(error);
  const refusal = e.code === "server_refused" && e.serverCode ? SERVER_CODE_KEYS[e.serverCode] : undefined;
  if (refusal) return t(refusal);
  if (e.code === "cannot_connect" && server) return t("signin.error.cannotConnect", { server });
  if (e.code === "insecure_server" && e.host) return t("signin.error.insecureServer", { host: e.host });
  if (e.code === "tls_untrusted" && e.host) {
    return t("signin.error.tlsUntrusted", { host: e.host, reason: tlsReasonText(e.reasonKind, e.reason) });
  }
  return t("signin.failed", { message: localError(error).text });
}
