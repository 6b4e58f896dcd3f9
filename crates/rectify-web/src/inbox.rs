//! 消息: the dispatch steps (提醒, 催办, 督办单, 约谈建议) delivered to the user's unit and the units
//! below it; the office and other users who see everything see every unit's.

use crate::AppState;
use crate::auth::{Me, Session};
use crate::caches::snapshot_since;
use crate::error::PageResult;
use crate::kit::render;
use askama::Template;
use axum::extract::State;
use rectify_store::rounds::InboxMessage;

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    me: Me,
    messages: Vec<InboxMessage>,
}

pub async fn show(State(state): State<AppState>, session: Session) -> PageResult {
    let units: Vec<i64> = if session.viewer.sees_everything() {
        snapshot_since(&state, session.seen_head)
            .await?
            .org_units
            .iter()
            .map(|u| u.id)
            .collect()
    } else {
        session.viewer.units.clone()
    };
    let messages = state.store.inbox(&units).await?;
    render(InboxPage {
        me: session.me(),
        messages,
    })
}
