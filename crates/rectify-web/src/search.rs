//! 搜索: one box across the items, complaints and register entries the user may see, each
//! list scoped exactly as its own page is.

use crate::AppState;
use crate::auth::{Me, Session};
use crate::caches::{tick_since, visible_items};
use crate::error::PageResult;
use crate::kit::render;
use crate::scopes::{complaint_filter, register_units};
use askama::Template;
use axum::extract::{Query, State};
use rectify_store::registers::RegisterFilter;
use serde::Deserialize;

/// The most hits a section lists; its count says how many there are in all.
const SHOWN: usize = 50;
/// The longest text searched for.
const MAX_CHARS: usize = 50;

#[derive(Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

/// A hit: where it leads, its title and a line of context.
struct Hit {
    href: String,
    title: String,
    context: String,
}

/// One kind of record's hits: all of them counted, the first `SHOWN` listed.
struct Section {
    label: &'static str,
    total: usize,
    hits: Vec<Hit>,
    /// The list page filtered by the same text, when it has a text filter.
    more: Option<String>,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    me: Me,
    q: String,
    message: Option<String>,
    sections: Vec<Section>,
}

pub async fn search(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<SearchQuery>,
) -> PageResult {
    let q = query.q.trim().to_string();
    let mut page = SearchPage {
        me: session.me(),
        q: q.clone(),
        message: None,
        sections: Vec::new(),
    };
    if q.is_empty() {
        return render(page);
    }
    if q.chars().count() > MAX_CHARS {
        page.message = Some(format!("搜索内容请不超过 {MAX_CHARS} 个字"));
        return render(page);
    }
    page.sections = vec![
        items(&state, &session, &q).await?,
        complaints(&state, &session, &q).await?,
        registers(&state, &session, &q).await?,
    ];
    render(page)
}

fn section(label: &'static str, hits: Vec<Hit>, more: Option<String>) -> Section {
    Section {
        label,
        total: hits.len(),
        hits: hits.into_iter().take(SHOWN).collect(),
        more,
    }
}

async fn items(
    state: &AppState,
    session: &Session,
    q: &str,
) -> Result<Section, crate::error::WebError> {
    let (_, snapshot) = tick_since(state, session.seen_head).await?;
    let visible = visible_items(snapshot, &session.viewer);
    let hits = visible
        .items()
        .into_iter()
        .filter(|s| s.item.mentions(q) || format!("第{}项", s.item.number) == q)
        .map(|s| Hit {
            href: visible.snapshot.item_path(s),
            title: format!("第{}项 {}", s.item.number, s.item.lead_unit),
            context: excerpt(&s.item.problem, q),
        })
        .collect();
    let more = format!("/ledger?q={}", crate::encode::url_encode(q));
    Ok(section("整改问题", hits, Some(more)))
}

async fn complaints(
    state: &AppState,
    session: &Session,
    q: &str,
) -> Result<Section, crate::error::WebError> {
    let records = state.store.complaints(&complaint_filter(session)).await?;
    let hits = records
        .iter()
        .filter(|r| {
            let c = &r.complaint;
            // Never the complainant's contact: it is not a thing to look people up by.
            c.received_no.contains(q)
                || c.description.contains(q)
                || c.industry.contains(q)
                || c.region.as_deref().is_some_and(|r| r.contains(q))
                || r.unit.as_deref().is_some_and(|u| u.contains(q))
        })
        .map(|r| Hit {
            href: format!(
                "/complaints/{}",
                crate::encode::url_encode(&r.complaint.received_no)
            ),
            title: format!(
                "第{}批 {} {}",
                r.batch,
                r.complaint.received_no,
                r.unit.as_deref().unwrap_or("")
            ),
            context: excerpt(&r.complaint.description, q),
        })
        .collect();
    Ok(section("信访件", hits, None))
}

async fn registers(
    state: &AppState,
    session: &Session,
    q: &str,
) -> Result<Section, crate::error::WebError> {
    let filter = RegisterFilter {
        units: register_units(session),
        ..RegisterFilter::default()
    };
    let entries = state.store.register_entries(&filter).await?;
    let hits = entries
        .iter()
        .filter(|e| {
            let i = &e.identity;
            i.name.contains(q)
                || i.address.contains(q)
                || i.township.contains(q)
                || i.county.contains(q)
                || i.credit_code.as_ref().is_some_and(|c| c.as_str() == q)
        })
        .map(|e| Hit {
            href: format!("/registers/{}", e.id),
            title: format!("{} {}", e.kind.label_zh(), e.identity.name),
            context: format!(
                "{} {} {} · {}",
                e.identity.county, e.identity.township, e.identity.address, e.state_label
            ),
        })
        .collect();
    Ok(section("专项整治名录", hits, None))
}

/// Up to 60 characters of `text` around the first `q`.
fn excerpt(text: &str, q: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let at = text.find(q).map_or(0, |byte| text[..byte].chars().count());
    let start = at.saturating_sub(20);
    let end = (start + 60).min(chars.len());
    let mut out: String = chars[start..end].iter().collect();
    if start > 0 {
        out.insert(0, '…');
    }
    if end < chars.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::excerpt;

    #[test]
    fn an_excerpt_shows_the_text_around_the_hit() {
        assert_eq!(excerpt("短文本", "文"), "短文本");
        let long = format!("{}黑臭水体{}", "甲".repeat(40), "乙".repeat(60));
        let shown = excerpt(&long, "黑臭");
        assert!(shown.starts_with('…') && shown.ends_with('…'));
        assert!(shown.contains("黑臭水体"));
        assert_eq!(shown.chars().count(), 62);
    }
}
