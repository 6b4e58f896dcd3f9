//! Dispatch steps by e-mail, besides the in-app inbox: through the office's SMTP relay (setting
//! `mail.smtp` = {"host", "port", "from"}; plain SMTP, as intranet relays are) to the addresses
//! of each unit (setting `mail.recipients` = {"单位": ["a@…", …]}). Without `mail.smtp` nothing
//! is sent; a failed delivery is reported and does not undo the step, which the inbox holds.

use crate::error::CliError;
use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use rectify_core::dispatch::IssuedStep;
use rectify_store::Store;
use serde_json::Value;

struct Relay {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

async fn relay(store: &Store) -> Result<Option<Relay>, CliError> {
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
    Ok(Some(Relay { transport, from }))
}

/// Sends each step to its unit's addresses; returns one line per message for the command's
/// output ("已发送" or why not).
pub async fn send(store: &Store, steps: &[IssuedStep]) -> Result<Vec<String>, CliError> {
    let Some(relay) = relay(store).await? else {
        return Ok(Vec::new());
    };
    let recipients = store
        .setting("mail.recipients")
        .await?
        .unwrap_or(Value::Null);
    let mut report = Vec::new();
    for step in steps {
        let addresses: Vec<Mailbox> = match &recipients[&step.unit] {
            Value::Array(list) => list
                .iter()
                .filter_map(|a| a.as_str()?.parse().ok())
                .collect(),
            Value::String(one) => one.parse().ok().into_iter().collect(),
            _ => Vec::new(),
        };
        if addresses.is_empty() {
            report.push(format!(
                "#{} {} 未配置收件地址，仅站内送达",
                step.id, step.unit
            ));
            continue;
        }
        let mut builder = Message::builder().from(relay.from.clone()).subject(format!(
            "【{}】{} {}",
            step.step.label_zh(),
            step.period,
            step.unit
        ));
        for to in addresses {
            builder = builder.to(to);
        }
        let body = format!(
            "{}：\n\n{}\n\n（{} 调度，编号 #{}，{}）",
            step.unit, step.reason, step.period, step.id, step.issued_on
        );
        let outcome = match builder.header(ContentType::TEXT_PLAIN).body(body) {
            Ok(message) => relay
                .transport
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        report.push(match outcome {
            Ok(()) => format!("#{} 已发送邮件至 {}", step.id, step.unit),
            Err(e) => format!("#{} 邮件发送失败（{}）：{e}", step.id, step.unit),
        });
    }
    Ok(report)
}
