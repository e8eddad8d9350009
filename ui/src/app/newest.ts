// Replies to overlapping requests (a reload, a search) can arrive in any order: only the newest
// request's reply may be shown.

/** Hands out tickets; a ticket is current until a newer one is taken. */
export class NewestRequest {
  private issued = 0;

  /** Takes a ticket for a request about to be sent; call the result once its reply is in. */
  begin(): () => boolean {
    const mine = ++this.issued;
    return () => mine === this.issued;
  }
}
