//! The outbox of dispatch steps sent outside the app: by e-mail (setting `mail.smtp` with
//! `mail.recipients` = {"单位": ["a@…"]}) and to group robots (企业微信 / 钉钉 style, setting
//! `webhook.urls` = {"单位": "https://…", "*": "https://…"}, where "*" receives every step).
//!
//! A step's deliveries are written in the transaction that issues it, so none is lost. The
//! server's sender claims due ones (several processes share the outbox: a claim is a timed
//! lease), tries them, and records each outcome in the journal. A failed try is retried after
//! `dispatch::retry_delay_minutes`; after the last one the office sees it failed on the
//! dispatch page and may send it again.

use crate::bind::Bind;
use crate::journal::{Change, append};
use crate::{Store, StoreError, clock};
use rectify_core::dispatch::{IssuedStep, retry_delay_minutes};
use serde_json::{Value, json};
use sqlx::{AnyConnection, Row};

/// How a delivery travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Mail,
    Webhook,
}

impl Channel {
    pub fn code(self) -> &'static str {
        match self {
            Channel::Mail => "mail",
            Channel::Webhook => "webhook",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Channel::Mail => "电子邮件",
            Channel::Webhook => "工作群机器人",
        }
    }

    pub fn parse(code: &str) -> Option<Channel> {
        [Channel::Mail, Channel::Webhook]
            .into_iter()
            .find(|c| c.code() == code)
    }
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    /// Not sent yet: waiting for its first try or its next one.
    Pending,
    Sent,
    /// Every try failed; waits for the office.
    Failed,
}

impl DeliveryState {
    fn code(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Sent => "sent",
            DeliveryState::Failed => "failed",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            DeliveryState::Pending => "待发送",
            DeliveryState::Sent => "已送达",
            DeliveryState::Failed => "发送失败",
        }
    }

    fn parse(code: &str) -> Option<DeliveryState> {
        [
            DeliveryState::Pending,
            DeliveryState::Sent,
            DeliveryState::Failed,
        ]
        .into_iter()
        .find(|s| s.code() == code)
    }
}

/// One step to one target.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: i64,
    pub step: IssuedStep,
    pub channel: Channel,
    pub target: String,
    pub state: DeliveryState,
    pub attempts: u32,
    /// When it will be tried next (stored UTC), while pending.
    pub next_attempt_at: String,
    pub last_error: Option<String>,
    pub sent_at: Option<String>,
}

/// A delivery with its step: the delivery's nine columns, then the step's seven as
/// `rounds::step_from_row` reads them.
const SELECT_DELIVERY: &str = "SELECT d.id, d.escalation_id, d.channel, d.target, d.state,
    d.attempts, d.next_attempt_at, d.last_error, d.sent_at,
    e.id, r.period, o.name, e.step, e.items, e.reason, e.issued_on
    FROM deliveries d JOIN escalations e ON e.id = d.escalation_id
    JOIN dispatch_rounds r ON r.id = e.round_id JOIN org_units o ON o.id = e.unit_id";

/// A sender's lease on a claimed delivery: others leave it alone for this long. A sender claims
/// one delivery at a time and a try takes at most 10 s, so the lease outlasts it many times.
const LEASE_MINUTES: i64 = 2;

/// The settings that send a unit's steps somewhere, keyed by the unit's name ("*" for all).
pub(crate) const ROUTED_BY_UNIT: [&str; 2] = ["mail.recipients", "webhook.urls"];

/// Refuses routes keyed by a name no unit has: a step is routed by its unit's exact name, so a
/// misspelt or renamed unit would otherwise never receive anything, without a word.
pub(crate) async fn check_route_units(
    conn: &mut AnyConnection,
    routes: &Value,
) -> Result<(), StoreError> {
    let routes = match routes {
        Value::Object(routes) => routes,
        // Cleared: nothing is routed.
        Value::Null => return Ok(()),
        _ => {
            return Err(StoreError::Invalid(
                "应为 {\"单位\": \"地址\"} 形式的对象".into(),
            ));
        }
    };
    let names: Vec<String> = sqlx::query_scalar("SELECT name FROM org_units")
        .fetch_all(&mut *conn)
        .await?;
    // A group's name is no unit a step is issued to (`各县（区）政府` reaches each county's).
    let unit = |name: &String| names.contains(name) && !crate::tasks::is_group(name);
    match routes.keys().find(|name| *name != "*" && !unit(name)) {
        Some(unknown) => Err(StoreError::Invalid(format!(
            "没有名为“{unknown}”的单位：每行开头的单位应与组织机构中的单位名称一致，或填“全部”（设置的 JSON 中写作 \"*\"）"
        ))),
        None => Ok(()),
    }
}

/// The targets of a step for `unit`: the unit's and the catch-all ("*", 全部) addresses when
/// mail is configured, and the unit's and the catch-all group robots; each target once.
fn targets(unit: &str, mail: Option<&Value>, webhooks: &Value) -> Vec<(Channel, String)> {
    let listed = |value: &Value| -> Vec<String> {
        match value {
            Value::Array(list) => list
                .iter()
                .filter_map(|v| v.as_str().map(str::trim).map(str::to_string))
                .filter(|v| !v.is_empty())
                .collect(),
            Value::String(one) if !one.trim().is_empty() => vec![one.trim().to_string()],
            _ => Vec::new(),
        }
    };
    let both = |routes: &Value| {
        let mut all = listed(&routes[unit]);
        all.extend(listed(&routes["*"]));
        all
    };
    let mails = mail.map(both).unwrap_or_default();
    let mut out: Vec<(Channel, String)> = Vec::new();
    let channels = mails
        .into_iter()
        .map(|m| (Channel::Mail, m))
        .chain(both(webhooks).into_iter().map(|w| (Channel::Webhook, w)));
    for target in channels {
        if !out.contains(&target) {
            out.push(target);
        }
    }
    out
}

/// A target as logs and the journal may show it: an address whole, a robot's web address
/// without its path, query (where 企业微信 and 钉钉 carry the robot's key) or credentials.
pub fn masked(channel: Channel, target: &str) -> String {
    match channel {
        Channel::Mail => target.to_string(),
        Channel::Webhook => {
            let (scheme, rest) = target.split_once("://").unwrap_or(("", target));
            let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
            let host = authority.rsplit('@').next().unwrap_or_default();
            format!("{scheme}://{host}/…")
        }
    }
}

/// Where the steps of this round go, read once before the issuing transaction.
pub(crate) struct Routes {
    mail: Option<Value>,
    webhooks: Value,
}

impl Store {
    pub(crate) async fn delivery_routes(&self) -> Result<Routes, StoreError> {
        let mail = match self.setting("mail.smtp").await? {
            Some(_) => Some(
                self.setting("mail.recipients")
                    .await?
                    .unwrap_or(Value::Null),
            ),
            None => None,
        };
        Ok(Routes {
            mail,
            webhooks: self.setting("webhook.urls").await?.unwrap_or(Value::Null),
        })
    }

    /// The deliveries of the steps issued in `period` (all periods when empty), newest first.
    pub async fn deliveries(&self, period: &str) -> Result<Vec<Delivery>, StoreError> {
        let sql = format!("{SELECT_DELIVERY} WHERE ($1 = '' OR r.period = $1) ORDER BY d.id DESC");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .arg(period)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(delivery).collect()
    }

    /// Claims up to `limit` deliveries due now for this sender; each is leased for a while, so
    /// another server process does not send it too.
    pub async fn claim_deliveries(&self, limit: u32) -> Result<Vec<Delivery>, StoreError> {
        let now = clock::now();
        let due: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM deliveries WHERE state = 'pending' AND next_attempt_at <= $1
             AND (claimed_until IS NULL OR claimed_until <= $1) ORDER BY id LIMIT $2",
        )
        .arg(clock::stored(now))
        .arg(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        if due.is_empty() {
            return Ok(Vec::new());
        }
        let until = clock::stored(now + chrono::Duration::minutes(LEASE_MINUTES));
        let mut claimed = Vec::new();
        let mut tx = self.begin_write().await?;
        for id in due {
            // Under the write lock: a delivery another process claimed meanwhile is skipped.
            let taken = sqlx::query(
                "UPDATE deliveries SET claimed_until = $1 WHERE id = $2 AND state = 'pending'
                 AND (claimed_until IS NULL OR claimed_until <= $3)",
            )
            .arg(until.clone())
            .arg(id)
            .arg(clock::stored(now))
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if taken == 1 {
                claimed.push(id);
            }
        }
        tx.commit().await?;
        let mut out = Vec::with_capacity(claimed.len());
        for id in claimed {
            out.push(self.delivery(id).await?);
        }
        Ok(out)
    }

    async fn delivery(&self, id: i64) -> Result<Delivery, StoreError> {
        let sql = format!("{SELECT_DELIVERY} WHERE d.id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .arg(id)
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: "发送记录",
                key: id.to_string(),
            })?;
        delivery(&row)
    }

    /// Records a try of a claimed delivery: sent, or failed with why (then tried again later,
    /// or, after the last try, left for the office). Journaled as the system's.
    pub async fn record_delivery(
        &self,
        id: i64,
        outcome: Result<(), String>,
    ) -> Result<DeliveryState, StoreError> {
        let now = clock::now();
        let mut tx = self.begin_write().await?;
        let attempts: i64 = sqlx::query_scalar("SELECT attempts FROM deliveries WHERE id = $1")
            .arg(id)
            .fetch_one(&mut *tx)
            .await?;
        let attempts = u32::try_from(attempts + 1).unwrap_or(u32::MAX);
        let (state, next, error) = match &outcome {
            Ok(()) => (DeliveryState::Sent, now, None),
            Err(why) => match retry_delay_minutes(attempts) {
                Some(wait) => (
                    DeliveryState::Pending,
                    now + chrono::Duration::minutes(wait),
                    Some(why.chars().take(500).collect::<String>()),
                ),
                None => (
                    DeliveryState::Failed,
                    now,
                    Some(why.chars().take(500).collect()),
                ),
            },
        };
        sqlx::query(
            "UPDATE deliveries SET state = $1, attempts = $2, next_attempt_at = $3,
             claimed_until = NULL, last_error = $4, sent_at = $5 WHERE id = $6",
        )
        .arg(state.code())
        .arg(i64::from(attempts))
        .arg(clock::stored(next))
        .arg(error.clone())
        .arg(outcome.is_ok().then(|| clock::stored(now)))
        .arg(id)
        .execute(&mut *tx)
        .await?;
        let (step, channel, target): (i64, String, String) =
            sqlx::query_as("SELECT escalation_id, channel, target FROM deliveries WHERE id = $1")
                .arg(id)
                .fetch_one(&mut *tx)
                .await?;
        let to = Channel::parse(&channel).map_or(String::new(), |c| masked(c, &target));
        let after = json!({
            "state": state.code(), "attempts": attempts, "error": error,
            "escalation": step, "channel": channel, "to": to,
        });
        journal(&mut tx, self, "system", "deliver", id, after).await?;
        tx.commit().await?;
        match state {
            DeliveryState::Sent => crate::stats::DELIVERIES_SENT.add(1),
            _ => crate::stats::DELIVERY_FAILURES.add(1),
        }
        Ok(state)
    }

    /// The office sends a failed delivery again: it is due at once, with its tries counted
    /// afresh.
    pub async fn resend_delivery(&self, actor: &str, id: i64) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let changed = sqlx::query(
            "UPDATE deliveries SET state = 'pending', attempts = 0, next_attempt_at = $1,
             claimed_until = NULL WHERE id = $2 AND state = 'failed'",
        )
        .arg(crate::now_utc())
        .arg(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(StoreError::Refused("只有发送失败的消息可以重新发送".into()));
        }
        journal(
            &mut tx,
            self,
            actor,
            "resend",
            id,
            json!({ "state": "pending" }),
        )
        .await?;
        tx.commit().await?;
        self.deliveries_waiting().notify_one();
        Ok(())
    }
}

/// Writes a step's deliveries inside the transaction that issues it.
pub(crate) async fn enqueue(
    conn: &mut AnyConnection,
    routes: &Routes,
    escalation_id: i64,
    unit: &str,
) -> Result<(), StoreError> {
    for (channel, target) in targets(unit, routes.mail.as_ref(), &routes.webhooks) {
        sqlx::query(
            "INSERT INTO deliveries (escalation_id, channel, target, state, next_attempt_at)
             VALUES ($1, $2, $3, 'pending', $4) ON CONFLICT DO NOTHING",
        )
        .arg(escalation_id)
        .arg(channel.code())
        .arg(target)
        .arg(crate::now_utc())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

async fn journal(
    conn: &mut AnyConnection,
    store: &Store,
    actor: &str,
    action: &str,
    id: i64,
    after: Value,
) -> Result<(), StoreError> {
    let change = Change {
        actor,
        action,
        entity: "delivery",
        entity_id: id.to_string(),
        before: None,
        after: Some(after),
    };
    append(conn, store.backend(), change).await?;
    Ok(())
}

fn delivery(row: &sqlx::any::AnyRow) -> Result<Delivery, StoreError> {
    let step = crate::rounds::step_from_row(row, 9)?;
    let channel: String = row.try_get(2)?;
    let state: String = row.try_get(4)?;
    let attempts: i64 = row.try_get(5)?;
    Ok(Delivery {
        id: row.try_get(0)?,
        step,
        channel: Channel::parse(&channel).ok_or_else(|| crate::invalid_stored("发送方式"))?,
        target: row.try_get(3)?,
        state: DeliveryState::parse(&state).ok_or_else(|| crate::invalid_stored("发送状态"))?,
        attempts: crate::stored_int(attempts, "deliveries.attempts")?,
        next_attempt_at: row.try_get(6)?,
        last_error: row.try_get(7)?,
        sent_at: row.try_get(8)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_goes_to_its_units_addresses_and_robots_and_the_catch_all() {
        let mail =
            json!({"北岭县政府": ["a@bl.gov.cn", "b@bl.gov.cn"], "市发改委": "c@fgw.gov.cn"});
        let hooks =
            json!({"北岭县政府": "http://bot/bl", "*": ["http://bot/all", "http://bot/bl"]});
        assert_eq!(
            targets("北岭县政府", Some(&mail), &hooks),
            vec![
                (Channel::Mail, "a@bl.gov.cn".to_string()),
                (Channel::Mail, "b@bl.gov.cn".to_string()),
                (Channel::Webhook, "http://bot/bl".to_string()),
                (Channel::Webhook, "http://bot/all".to_string()),
            ]
        );
        assert_eq!(
            targets("市发改委", None, &hooks),
            vec![
                (Channel::Webhook, "http://bot/all".to_string()),
                (Channel::Webhook, "http://bot/bl".to_string()),
            ],
            "no mail without a relay; every catch-all robot"
        );
        assert!(targets("南川县政府", None, &Value::Null).is_empty());
        let repeated = json!({"北岭县政府": ["a@bl.gov.cn", "a@bl.gov.cn"], "*": "a@bl.gov.cn"});
        assert_eq!(
            targets("北岭县政府", Some(&repeated), &Value::Null),
            vec![(Channel::Mail, "a@bl.gov.cn".to_string())],
            "an address listed twice gets the step once"
        );
    }

    #[test]
    fn a_robots_key_and_credentials_are_never_shown() {
        assert_eq!(
            masked(
                Channel::Webhook,
                "https://u:p@qyapi.weixin.qq.com/cgi-bin/webhook/send?key=secret"
            ),
            "https://qyapi.weixin.qq.com/…"
        );
        assert_eq!(masked(Channel::Mail, "a@bl.gov.cn"), "a@bl.gov.cn");
    }
}
