//! 调度: the month's dispatch round in the browser — open it, see who must report what and who
//! has not, run the steps due today (提醒 → 催办 → 督办单 → 约谈建议) by hand, and print any
//! step as the office sends it.

use crate::AppState;
use crate::auth::{Me, Session};
use crate::error::{PageResult, WebError};
use crate::extract::{Allowed, CsrfForm, OfficeWork, Path};
use crate::kit::{actor_label, back_to, display_names, named_download, render};
use askama::Template;
use axum::extract::{Query, State};
use rectify_core::dispatch::IssuedStep;
use rectify_core::time::shown_minute;
use rectify_store::StoreError;
use rectify_store::deliveries::{Delivery, DeliveryState, masked};
use rectify_store::today_china;
use rectify_store::workflow::UnitReporting;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct PeriodQuery {
    period: Option<String>,
    done: Option<String>,
}

#[derive(Template)]
#[template(path = "dispatch.html")]
struct DispatchPage {
    me: Me,
    period: String,
    flash: Option<String>,
    /// (report deadline, opened on, by) once the round is open.
    round: Option<(String, String, String)>,
    reporting: Vec<UnitReporting>,
    steps: Vec<IssuedStep>,
    deliveries: Vec<DeliveryLine>,
}

/// A delivery as the office reads it.
struct DeliveryLine {
    id: i64,
    step: String,
    unit: String,
    channel: &'static str,
    target: String,
    state: &'static str,
    failed: bool,
    attempts: u32,
    /// When it was delivered, or when it will be tried next.
    when: String,
    error: String,
}

impl DeliveryLine {
    fn of(delivery: Delivery) -> DeliveryLine {
        let when = match delivery.state {
            DeliveryState::Sent => delivery.sent_at.as_deref().map(shown_minute),
            DeliveryState::Pending => {
                Some(format!("{} 前后", shown_minute(&delivery.next_attempt_at)))
            }
            DeliveryState::Failed => None,
        };
        DeliveryLine {
            id: delivery.id,
            step: delivery.step.step.label_zh().to_string(),
            unit: delivery.step.unit,
            channel: delivery.channel.label_zh(),
            target: masked(delivery.channel, &delivery.target),
            state: delivery.state.label_zh(),
            failed: delivery.state == DeliveryState::Failed,
            attempts: delivery.attempts,
            when: when.unwrap_or_default(),
            error: delivery.last_error.unwrap_or_default(),
        }
    }
}

/// The month asked for, else the current one.
fn period_of(query: Option<&str>) -> String {
    query.map(str::to_string).unwrap_or_else(|| {
        let today = today_china();
        format!("{:04}-{:02}", today.year, today.month)
    })
}

pub async fn show(
    State(state): State<AppState>,
    Allowed(session, _): Allowed<OfficeWork>,
    Query(query): Query<PeriodQuery>,
) -> PageResult {
    let period = period_of(query.period.as_deref());
    let names = display_names(&state).await?;
    let round = match state.store.round(&period).await {
        Ok(round) => Some((
            round.report_due.to_string(),
            rectify_core::time::shown_minute(&round.opened_on),
            actor_label(&round.opened_by, &names),
        )),
        Err(StoreError::NotFound { .. }) => None,
        Err(other) => return Err(other.into()),
    };
    let reporting = if round.is_some() {
        state.store.reporting(&period).await?
    } else {
        Vec::new()
    };
    render(DispatchPage {
        me: session.me(),
        flash: crate::flash::shown(&session, query.done),
        steps: state.store.escalations(Some(&period)).await?,
        deliveries: state
            .store
            .deliveries(&period)
            .await?
            .into_iter()
            .map(DeliveryLine::of)
            .collect(),
        period,
        round,
        reporting,
    })
}

#[derive(Deserialize)]
pub struct PeriodForm {
    period: String,
}

fn back(session: &Session, period: &str, message: &str) -> axum::response::Response {
    back_to(
        session,
        &format!("/dispatch?period={}", crate::encode::url_encode(period)),
        message,
    )
}

/// 开启本月调度: the round with its report deadline.
pub async fn open(
    State(state): State<AppState>,
    CsrfForm { session, form, .. }: CsrfForm<PeriodForm, OfficeWork>,
) -> PageResult {
    let outcome = state
        .store
        .open_round(&session.user.username, &form.period, today_china())
        .await;
    Ok(back(
        &session,
        &form.period,
        &match outcome {
            Ok(round) => format!(
                "已开启 {} 调度，进展报送截止 {}",
                round.period, round.report_due
            ),
            Err(error) => crate::error::user_message(error),
        },
    ))
}

/// Issues the steps due today (each at most once per unit and round) to the units' 消息.
pub async fn run(
    State(state): State<AppState>,
    CsrfForm { session, form, .. }: CsrfForm<PeriodForm, OfficeWork>,
) -> PageResult {
    let outcome = state
        .store
        .escalate(&session.user.username, &form.period, today_china())
        .await;
    Ok(back(
        &session,
        &form.period,
        &match outcome {
            Ok(issued) if issued.is_empty() => "今日没有新的督办事项".to_string(),
            Ok(issued) => format!(
                "已发出 {} 项督办事项，各单位可在“消息”中查看；邮件和工作群消息随即发送，结果见发送记录",
                issued.len()
            ),
            Err(error) => crate::error::user_message(error),
        },
    ))
}

#[derive(Deserialize)]
pub struct ResendForm {
    period: String,
}

/// 重新发送: a delivery that failed every try is due again at once.
pub async fn resend(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm { session, form, .. }: CsrfForm<ResendForm, OfficeWork>,
) -> PageResult {
    let message = match state
        .store
        .resend_delivery(&session.user.username, id)
        .await
    {
        Ok(()) => "已重新发送，结果见下方发送记录".to_string(),
        Err(error) => crate::error::user_message(error),
    };
    Ok(back(&session, &form.period, &message))
}

/// One issued step as a docx, for the office or the unit it was sent to.
pub async fn notice(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> PageResult {
    let (step, bytes) = rectify_app::dispatch::notice_docx(&state.store, id)
        .await?
        .ok_or(WebError::NotFound)?;
    let units = state.store.org_units().await?;
    let recipient = units
        .iter()
        .any(|u| u.name == step.unit && session.viewer.units.contains(&u.id));
    if !(Allowed::<OfficeWork>::holds(&session) || recipient) {
        return Err(WebError::NotFound);
    }
    let name = format!("{}-{}-{}.docx", step.step.label_zh(), step.unit, step.id);
    Ok(named_download(
        &format!("notice-{id}.docx"),
        &name,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        bytes,
    ))
}
