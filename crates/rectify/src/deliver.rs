//! The sender of the dispatch outbox (`rectify_store::deliveries`): e-mail through the office's
//! SMTP relay and JSON text messages to group robots (企业微信 / 钉钉 style webhooks:
//! `{"msgtype":"text","text":{"content":…}}`). Each try's outcome is recorded; a failure is tried
//! again later and, after the last try, shown to the office. The server runs it in the
//! background, woken whenever steps are issued; `dispatch run` on the command line sends at once.

use crate::error::CliError;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use rectify_store::Store;
use rectify_store::deliveries::{Channel, Delivery, DeliveryState};
use serde_json::json;
use std::time::Duration;

/// How long one try may take, connection included.
const TRY_TIMEOUT: Duration = Duration::from_secs(10);
/// How often the background sender looks for deliveries that are due again.
const ROUND: Duration = Duration::from_secs(30);
/// Deliveries claimed per round.
const BATCH: u32 = 50;
/// The most of a robot's answer kept as the reason of a failure.
const MAX_ANSWER: usize = 64 * 1024;

type Https = hyper_rustls::HttpsConnector<HttpConnector>;

struct Sender {
    relay: Option<(AsyncSmtpTransport<Tokio1Executor>, Mailbox)>,
    http: Client<Https, Full<Bytes>>,
}

impl Sender {
    async fn new(store: &Store) -> Result<Sender, CliError> {
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_native_roots()
            .map_err(|e| CliError::environment(format!("无法读取系统根证书：{e}")))?
            .https_or_http()
            .enable_http1()
            .build();
        Ok(Sender {
            relay: relay(store).await?,
            http: Client::builder(TokioExecutor::new()).build(https),
        })
    }

    async fn send(&self, delivery: &Delivery) -> Result<(), String> {
        let attempt = async {
            match delivery.channel {
                Channel::Mail => self.mail(delivery).await,
                Channel::Webhook => self.webhook(delivery).await,
            }
        };
        tokio::time::timeout(TRY_TIMEOUT, attempt)
            .await
            .unwrap_or_else(|_| Err(format!("{} 秒内未完成", TRY_TIMEOUT.as_secs())))
    }

    async fn mail(&self, delivery: &Delivery) -> Result<(), String> {
        let Some((transport, from)) = &self.relay else {
            return Err("未配置邮件服务器（设置 mail.smtp）".into());
        };
        let to: Mailbox = delivery
            .target
            .parse()
            .map_err(|_| format!("收件地址“{}”无效", delivery.target))?;
        let message = Message::builder()
            .from(from.clone())
            .to(to)
            .subject(delivery.step.subject())
            .header(ContentType::TEXT_PLAIN)
            .body(delivery.step.message())
            .map_err(|e| e.to_string())?;
        transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    async fn webhook(&self, delivery: &Delivery) -> Result<(), String> {
        let content = format!("{}\n{}", delivery.step.subject(), delivery.step.message());
        let body = json!({ "msgtype": "text", "text": { "content": content } }).to_string();
        let request = hyper::Request::post(delivery.target.as_str())
            .header("content-type", "application/json; charset=utf-8")
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| format!("地址无效：{e}"))?;
        let response = self
            .http
            .request(request)
            .await
            .map_err(|e| format!("无法连接：{}", causes(&e)))?;
        let status = response.status();
        let answer = http_body_util::Limited::new(response.into_body(), MAX_ANSWER)
            .collect()
            .await
            .map_err(|e| format!("应答读取失败：{e}"))?
            .to_bytes();
        robot_answer(status.as_u16(), &answer)
    }
}

/// An error with its causes, which hyper's client keeps out of its own message.
fn causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push('：');
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Whether a robot accepted the message: a 2xx answer, and when it is JSON with an `errcode`
/// (企业微信, 钉钉), that code is 0.
fn robot_answer(status: u16, answer: &[u8]) -> Result<(), String> {
    let text = String::from_utf8_lossy(answer);
    if !(200..300).contains(&status) {
        return Err(format!(
            "HTTP {status}：{}",
            text.chars().take(200).collect::<String>()
        ));
    }
    match serde_json::from_slice::<serde_json::Value>(answer) {
        Ok(reply) if reply["errcode"].as_i64().is_some_and(|code| code != 0) => Err(format!(
            "机器人拒收（errcode {}）：{}",
            reply["errcode"],
            reply["errmsg"].as_str().unwrap_or_default()
        )),
        _ => Ok(()),
    }
}

async fn relay(
    store: &Store,
) -> Result<Option<(AsyncSmtpTransport<Tokio1Executor>, Mailbox)>, CliError> {
    let Some(config) = store.setting("mail.smtp").await? else {
        return Ok(None);
    };
    let bad = |what: &str| CliError::environment(format!("设置 mail.smtp 的 {what} 无效"));
    let host = config["host"].as_str().ok_or_else(|| bad("host"))?;
    let port = config["port"]
        .as_u64()
        .and_then(|p| u16::try_from(p).ok())
        .unwrap_or(25);
    let from: Mailbox = config["from"]
        .as_str()
        .and_then(|f| f.parse().ok())
        .ok_or_else(|| bad("from"))?;
    let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
        .port(port)
        .build();
    Ok(Some((transport, from)))
}

/// Sends every delivery due now; one line per try for the command's output.
pub async fn send_due(store: &Store) -> Result<Vec<String>, CliError> {
    let sender = Sender::new(store).await?;
    let mut report = Vec::new();
    loop {
        let due = store.claim_deliveries(BATCH).await?;
        if due.is_empty() {
            return Ok(report);
        }
        for delivery in due {
            let outcome = sender.send(&delivery).await;
            let why = outcome.as_ref().err().cloned();
            let state = store.record_delivery(delivery.id, outcome).await?;
            report.push(line(&delivery, state, why.as_deref()));
        }
    }
}

fn line(delivery: &Delivery, state: DeliveryState, why: Option<&str>) -> String {
    let what = format!(
        "#{} {}（{}）→ {}",
        delivery.step.id,
        delivery.step.unit,
        delivery.channel.label_zh(),
        delivery.target
    );
    match (state, why) {
        (DeliveryState::Sent, _) => format!("{what}：已送达"),
        (DeliveryState::Pending, why) => {
            format!("{what}：发送失败，稍后重试（{}）", why.unwrap_or_default())
        }
        (DeliveryState::Failed, why) => format!(
            "{what}：多次发送失败，请在调度页重新发送（{}）",
            why.unwrap_or_default()
        ),
    }
}

/// The server's background sender: a round when steps are issued and every half minute.
pub fn spawn(store: Store) {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                () = store.deliveries_waiting().notified() => {}
                () = tokio::time::sleep(ROUND) => {}
            }
            match send_due(&store).await {
                Ok(done) if done.is_empty() => {}
                Ok(done) => tracing::info!(tries = done.len(), "dispatch deliveries tried"),
                Err(error) => tracing::warn!(%error, "dispatch delivery round failed"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::robot_answer;

    #[test]
    fn a_robot_accepts_with_2xx_and_errcode_zero() {
        assert!(robot_answer(200, br#"{"errcode":0,"errmsg":"ok"}"#).is_ok());
        assert!(robot_answer(204, b"").is_ok());
        let refused = robot_answer(200, br#"{"errcode":93000,"errmsg":"invalid webhook url"}"#);
        assert!(refused.unwrap_err().contains("93000"));
        assert!(
            robot_answer(502, b"bad gateway")
                .unwrap_err()
                .contains("HTTP 502")
        );
    }
}
