//! Records and live calls: the batches the writer applies, history pages and pruning.

use super::{id, store_with};
use crate::backends::Backend;
use duet_protocol::{CallId, CallRecord, CallStatus, CallType, EndReason};
use duet_server::store::{ActiveCallRow, CallWrite};
use duet_server::Store;

crate::on_both_backends!(
    a_call_ended_twice_has_one_record_and_no_live_copy,
    a_failed_batch_changes_nothing_not_even_its_first_writes,
    live_calls_are_stored_replaced_and_listed_per_app,
    history_pages_go_newest_first_from_a_position,
    pruning_deletes_records_only_when_asked_and_only_old_ones,
);

fn record(call: &str, ended_at_ms: u64) -> CallRecord {
    CallRecord {
        call_id: CallId::new(call).unwrap(),
        from: id("alice"),
        to: id("bob"),
        call_type: CallType::Video,
        status: CallStatus::Completed,
        reason: EndReason::UserHangup,
        started_at_ms: ended_at_ms - 10,
        answered_at_ms: Some(ended_at_ms - 8),
        ended_at_ms,
        duration_ms: 8,
    }
}

fn stored(call: &str, state: &str) -> CallWrite {
    CallWrite::Stored {
        app_key: "demo".into(),
        call_id: call.into(),
        state: state.into(),
        at_ms: 5,
    }
}

fn ended(record: CallRecord) -> CallWrite {
    CallWrite::Ended {
        app_key: "demo".into(),
        record,
        hidden_from_callee: false,
    }
}

async fn live(store: &dyn Store) -> Vec<String> {
    let rows = store.active_calls("demo").await.unwrap();
    rows.into_iter().map(|row| row.call_id).collect()
}

async fn recorded(store: &dyn Store) -> Vec<CallRecord> {
    let records = store
        .history("demo", &id("alice"), None, 100)
        .await
        .unwrap();
    records.into_iter().map(|(_, record)| record).collect()
}

async fn a_call_ended_twice_has_one_record_and_no_live_copy(backend: Backend) {
    let db = store_with(backend, &["alice", "bob"]).await;
    let store = db.store.as_ref();
    store.apply(&[stored("c-1", "{}")]).await.unwrap();
    assert_eq!(live(store).await, ["c-1"]);
    let first = record("c-1", 100);
    store.apply(&[ended(first.clone())]).await.unwrap();
    assert_eq!(recorded(store).await, std::slice::from_ref(&first));
    assert!(live(store).await.is_empty(), "the live copy went with it");
    assert!(store.call_recorded("demo", "c-1").await.unwrap());

    // Again, in a later batch and twice in one, with other values: the first record stays.
    let replay = CallRecord {
        status: CallStatus::Unanswered,
        ..record("c-1", 200)
    };
    store.apply(&[ended(replay.clone())]).await.unwrap();
    store
        .apply(&[ended(replay.clone()), ended(replay)])
        .await
        .unwrap();
    assert_eq!(recorded(store).await, [first]);
    assert!(!store.call_recorded("demo", "c-2").await.unwrap());
}

async fn a_failed_batch_changes_nothing_not_even_its_first_writes(backend: Backend) {
    let db = store_with(backend, &["alice", "bob"]).await;
    let store = db.store.as_ref();
    store
        .apply(&[stored("c-1", "{}"), stored("boom", "{}")])
        .await
        .unwrap();
    // Deleting `boom`'s live copy fails: after its record was inserted, in the same `Ended`.
    db.execute_raw(
        "CREATE TRIGGER fail_boom BEFORE DELETE ON active_calls WHEN OLD.call_id = 'boom' \
         BEGIN SELECT RAISE(ABORT, 'boom'); END;",
        "CREATE FUNCTION fail_boom() RETURNS trigger LANGUAGE plpgsql AS \
         $$ BEGIN RAISE EXCEPTION 'boom'; END $$; \
         CREATE TRIGGER fail_boom BEFORE DELETE ON active_calls FOR EACH ROW \
         WHEN (OLD.call_id = 'boom') EXECUTE FUNCTION fail_boom();",
    )
    .await;
    let batch = [
        stored("c-2", "{}"),
        stored("c-1", "{\"changed\":true}"),
        ended(record("c-1", 100)),
        ended(record("boom", 101)),
    ];
    assert!(store.apply(&batch).await.is_err());
    assert!(recorded(store).await.is_empty(), "neither record stays");
    assert_eq!(
        store.active_calls("demo").await.unwrap(),
        [
            ActiveCallRow {
                call_id: "boom".into(),
                state: "{}".into()
            },
            ActiveCallRow {
                call_id: "c-1".into(),
                state: "{}".into()
            },
        ],
        "no live copy added, changed or deleted"
    );
    assert!(!store.call_recorded("demo", "boom").await.unwrap());
}

async fn live_calls_are_stored_replaced_and_listed_per_app(backend: Backend) {
    let db = store_with(backend, &["alice", "bob"]).await;
    let store = db.store.as_ref();
    let other_app = CallWrite::Stored {
        app_key: "other".into(),
        call_id: "c-0".into(),
        state: "{}".into(),
        at_ms: 1,
    };
    store
        .apply(&[stored("c-2", "{\"n\":1}"), stored("c-1", "{}"), other_app])
        .await
        .unwrap();
    store.apply(&[stored("c-2", "{\"n\":2}")]).await.unwrap();
    let rows = store.active_calls("demo").await.unwrap();
    let rows: Vec<(String, String)> = rows.into_iter().map(|r| (r.call_id, r.state)).collect();
    assert_eq!(
        rows,
        [
            ("c-1".to_owned(), "{}".to_owned()),
            ("c-2".to_owned(), "{\"n\":2}".to_owned())
        ]
    );
    assert_eq!(store.active_calls("other").await.unwrap().len(), 1);
}

async fn history_pages_go_newest_first_from_a_position(backend: Backend) {
    let db = store_with(backend, &["alice", "bob"]).await;
    let store = db.store.as_ref();
    let writes: Vec<CallWrite> = (1..=5)
        .map(|n| ended(record(&format!("c-{n}"), 100 + n)))
        .collect();
    store.apply(&writes).await.unwrap();
    let page = store.history("demo", &id("bob"), None, 2).await.unwrap();
    let calls = |page: &[(i64, CallRecord)]| -> Vec<String> {
        page.iter().map(|(_, r)| r.call_id.to_string()).collect()
    };
    assert_eq!(calls(&page), ["c-5", "c-4"]);
    let next = store
        .history("demo", &id("bob"), Some(page[1].0), 10)
        .await
        .unwrap();
    assert_eq!(calls(&next), ["c-3", "c-2", "c-1"]);
    assert_eq!(next[0].1, record("c-3", 103), "every field read back");
    assert!(store
        .history("demo", &id("carol"), None, 10)
        .await
        .unwrap()
        .is_empty());
}

async fn pruning_deletes_records_only_when_asked_and_only_old_ones(backend: Backend) {
    let db = store_with(backend, &["alice", "bob"]).await;
    let store = db.store.as_ref();
    store
        .apply(&[ended(record("old", 100)), ended(record("new", 300))])
        .await
        .unwrap();
    assert_eq!(store.prune(1_000, None).await.unwrap(), 0);
    assert_eq!(recorded(store).await.len(), 2);
    assert_eq!(store.prune(1_000, Some(200)).await.unwrap(), 1);
    let left: Vec<String> = recorded(store)
        .await
        .into_iter()
        .map(|r| r.call_id.to_string())
        .collect();
    assert_eq!(left, ["new"]);
}
