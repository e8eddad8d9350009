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

/// Prints the contact list, or adds or removes one contact.
pub async fn contacts(kit: &CallKit, change: Option<ContactChange>) -> anyhow::Result<u8> {
    match change {
        Some(ContactChange::Add { contact }) => {
            kit.add_contact(&contact).await?;
            print::line(&json!({ "ok": true, "added": contact }));
        }
        Some(ContactChange::Remove { contact }) => {
            kit.remove_contact(&contact).await?;
            print::line(&json!({ "ok": true, "removed": contact }));
        }
        None => {
            for contact in kit.contacts().await? {
                print::line(&json!({ "contact": contact }));
            }
        }
    }
    Ok(outcome::COMPLETED)
}

/// Prints the accounts matching `query`.
pub async fn search(kit: &CallKit, query: &str) -> anyhow::Result<u8> {
    for user in kit.search(query).await? {
        print::line(&json!({ "user": user }));
    }
    Ok(outcome::COMPLETED)
}
