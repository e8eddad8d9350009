//! What a node does every third of a lease: says it is alive (in a task of its own), closes
//! connections whose hub moved,
//! tells its hubs about devices of nodes that stopped, and takes the apps nobody holds (a node
//! killed mid-call leaves its apps' live calls in the store for the next holder to restore).

use super::Cluster;
use crate::hub::{HubHandle, HubInput};
use crate::server::Shared;
use std::sync::Arc;

/// Says this node is alive every third of a lease, until the server shuts down. A task of its
/// own, so that nothing else this node waits for (a database that is down) can make the other
/// nodes think it died.
pub(crate) async fn keep_alive(cluster: Cluster, shared: Arc<Shared>) {
    let every = cluster.bus().lease() / 3;
    loop {
        if let Err(error) = cluster.bus().heartbeat().await {
            tracing::warn!(%error, "the bus is unreachable");
        }
        tokio::select! {
            () = shared.shutdown.cancelled() => return,
            () = tokio::time::sleep(every) => {}
        }
    }
}

/// Runs until the server shuts down.
pub(crate) async fn keep_up(cluster: Cluster, shared: Arc<Shared>) {
    let every = cluster.bus().lease() / 3;
    loop {
        tokio::select! {
            () = shared.shutdown.cancelled() => return,
            () = tokio::time::sleep(every) => {}
        }
        close_moved_routes(&cluster).await;
        forget_stopped_nodes(&cluster, &shared).await;
        cluster.expire_replies();
        take_orphaned_apps(&cluster, &shared).await;
    }
}

async fn close_moved_routes(cluster: &Cluster) {
    for (app, expected) in cluster.routed_apps() {
        match cluster.bus().holder(&app).await {
            Ok(Some(holder)) if holder == expected => {}
            Ok(_) => cluster.drop_routes(&app),
            // Unknown: the bus hiccuped; the next round decides.
            Err(_) => {}
        }
    }
}

async fn forget_stopped_nodes(cluster: &Cluster, shared: &Shared) {
    for node in cluster.nodes_with_devices() {
        if !matches!(cluster.bus().is_alive(&node).await, Ok(false)) {
            continue;
        }
        let devices = cluster.take_devices_of(&node);
        tracing::warn!(%node, devices = devices.len(), "a node stopped; its devices count as lost");
        for (conn, (app, key)) in devices {
            if let Some(HubHandle::Local(hub)) = shared.hubs.running(&app).await {
                let offline = HubInput::Offline {
                    key,
                    conn,
                    reason: None,
                };
                let _ = hub.send(offline).await;
            }
        }
    }
}

async fn take_orphaned_apps(cluster: &Cluster, shared: &Shared) {
    let apps = match shared.store.apps().await {
        Ok(apps) => apps,
        Err(error) => {
            tracing::warn!(%error, "listing apps failed");
            return;
        }
    };
    let local = shared.hubs.local_apps().await;
    for app in apps {
        if local.contains(&app.app_key) {
            continue;
        }
        if matches!(cluster.bus().holder(&app.app_key).await, Ok(None)) {
            if let Err(error) = shared.hubs.get(&app).await {
                tracing::warn!(app = %app.app_key, %error, "taking an app nobody holds failed");
            }
        }
    }
}
