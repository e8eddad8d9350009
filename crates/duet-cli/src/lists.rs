//! The one-shot commands: history, contacts, search. One JSON line per item.

use crate::args::ContactChange;
use crate::{outcome, print};
use duet_callkit::CallKit;
use serde_json::json;

/// Prints up to `limit` records, newest first, following pages as needed.
pub async fn history(kit: &CallKit, limit: u32) -> anyhow::Result<u8> {
    let mut printed = 0;
    let mut before = None;
    while printed < limit {
        let page = kit
            .history(before, Some((limit - printed).min(200)))
            .await?;
        for record in &page.records {
            print::line(&json!({ "record": record }));
        }
        printed += u32::try_from(page.records.len()).unwrap_or(u32::MAX);
        match page.next {
            Some(next) if !page.records.is_empty() => before = Some(next),
            _ => break,
        }
    }
    Ok(outcome::COMPLETED)
}

/// Prints the contact list, or takes one contact action and prints what it did.
pub async fn contacts(kit: &CallKit, change: Option<ContactChange>) -> anyhow::Result<u8> {
    let Some(change) = change else {
        for contact in kit.contacts().await? {
            print::line(&json!({ "contact": contact }));
        }
        return Ok(outcome::COMPLETED);
    };
    let (done, contact) = match change {
        ContactChange::Add { contact } => {
            kit.add_contact(&contact).await?;
            ("added", contact)
        }
        ContactChange::Accept { contact } => {
            kit.accept_contact(&contact).await?;
            ("accepted", contact)
        }
        ContactChange::Ignore { contact } => {
            kit.ignore_contact(&contact).await?;
            ("ignored", contact)
        }
        ContactChange::Remove { contact } => {
            kit.remove_contact(&contact).await?;
            ("removed", contact)
        }
        ContactChange::Block { contact } => {
            kit.block_contact(&contact).await?;
            ("blocked", contact)
        }
        ContactChange::Unblock { contact } => {
            kit.unblock_contact(&contact).await?;
            ("unblocked", contact)
        }
    };
    // What the action led to: a request, a contact, a block, or nothing (`null`).
    let state = kit
        .contacts()
        .await?
        .into_iter()
        .find(|entry| entry.account.as_str() == contact)
        .map(|entry| entry.state);
    print::line(&json!({ "ok": true, done: contact, "state": state }));
    Ok(outcome::COMPLETED)
}

/// Prints the accounts matching `query`.
pub async fn search(kit: &CallKit, query: &str) -> anyhow::Result<u8> {
    for user in kit.search(query).await? {
        print::line(&json!({ "user": user }));
    }
    Ok(outcome::COMPLETED)
}
