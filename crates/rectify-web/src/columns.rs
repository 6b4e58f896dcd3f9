//! The ledger's optional columns (责任领导, 监管人 …): each user picks them on the ledger page,
//! and the browser keeps the choice in a cookie, so every later visit shows the same columns.

use axum::http::{HeaderMap, HeaderValue, header};
use rectify_store::ledger::StoredItem;
use serde::Deserialize;
use std::collections::HashMap;

const COOKIE: &str = "ledger_cols";

/// A column the ledger can add to its fixed ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Leaders,
    Supervisors,
    Units,
    Target,
    Measures,
    Progress,
}

impl Column {
    pub const ALL: [Column; 6] = [
        Column::Leaders,
        Column::Supervisors,
        Column::Units,
        Column::Target,
        Column::Measures,
        Column::Progress,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Column::Leaders => "leaders",
            Column::Supervisors => "supervisors",
            Column::Units => "units",
            Column::Target => "target",
            Column::Measures => "measures",
            Column::Progress => "progress",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Column::Leaders => "责任领导",
            Column::Supervisors => "监管人",
            Column::Units => "责任单位",
            Column::Target => "整改目标",
            Column::Measures => "措施完成",
            Column::Progress => "最新进展",
        }
    }

    fn parse(code: &str) -> Option<Column> {
        Column::ALL.into_iter().find(|c| c.code() == code)
    }

    /// The column's cell for an item; `progress` holds the latest confirmed report by item id
    /// (loaded only when the column is shown), `done` the measures done by item id.
    pub fn cell(
        self,
        stored: &StoredItem,
        progress: &HashMap<i64, (String, String)>,
        done: usize,
    ) -> String {
        let item = &stored.item;
        match self {
            Column::Leaders => item.leaders.join("、"),
            Column::Supervisors => item.supervisors.join("、"),
            Column::Units => item.units.join("、"),
            Column::Target => crate::kit::short(&item.target, 60),
            Column::Measures => format!("{done}/{}", item.measures.len()),
            Column::Progress => progress
                .get(&stored.id)
                .map(|(period, text)| {
                    // Reports often begin with their period already.
                    let text = crate::kit::short(text, 60);
                    if text.starts_with(period.as_str()) {
                        text
                    } else {
                        format!("{period}：{text}")
                    }
                })
                .unwrap_or_default(),
        }
    }
}

/// The column checkboxes as the ledger's form sends them: `cols=1` marks a submitted choice
/// (unticking every box is a choice too), and each ticked box sends `c_<code>=1`.
#[derive(Deserialize, Default, Clone)]
pub struct ColumnChoice {
    cols: Option<String>,
    c_leaders: Option<String>,
    c_supervisors: Option<String>,
    c_units: Option<String>,
    c_target: Option<String>,
    c_measures: Option<String>,
    c_progress: Option<String>,
}

impl ColumnChoice {
    /// The columns this request shows, and the cookie to keep them when the form chose anew.
    pub fn resolve(&self, headers: &HeaderMap, secure: bool) -> (Vec<Column>, Option<HeaderValue>) {
        if self.cols.is_none() {
            let kept = crate::auth::cookie(headers, COOKIE).unwrap_or_default();
            return (kept.split('.').filter_map(Column::parse).collect(), None);
        }
        let ticked = [
            &self.c_leaders,
            &self.c_supervisors,
            &self.c_units,
            &self.c_target,
            &self.c_measures,
            &self.c_progress,
        ];
        let chosen: Vec<Column> = Column::ALL
            .into_iter()
            .zip(ticked)
            .filter(|(_, on)| on.is_some())
            .map(|(c, _)| c)
            .collect();
        let value = chosen
            .iter()
            .map(|c| c.code())
            .collect::<Vec<_>>()
            .join(".");
        let mut cookie =
            format!("{COOKIE}={value}; Path=/ledger; Max-Age=31536000; SameSite=Lax; HttpOnly");
        if secure {
            cookie.push_str("; Secure");
        }
        (chosen, HeaderValue::from_str(&cookie).ok())
    }
}

/// Sets the kept choice on the page's response.
pub fn keep(response: &mut axum::response::Response, cookie: Option<HeaderValue>) {
    if let Some(cookie) = cookie {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_choice_is_kept_and_read_back() {
        let choice = ColumnChoice {
            cols: Some("1".into()),
            c_leaders: Some("1".into()),
            c_progress: Some("1".into()),
            ..ColumnChoice::default()
        };
        let (columns, cookie) = choice.resolve(&HeaderMap::new(), false);
        assert_eq!(columns, vec![Column::Leaders, Column::Progress]);
        let cookie = cookie.unwrap();
        assert!(
            cookie
                .to_str()
                .unwrap()
                .starts_with("ledger_cols=leaders.progress;")
        );
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("ledger_cols=leaders.progress"),
        );
        let (kept, none) = ColumnChoice::default().resolve(&headers, false);
        assert_eq!(kept, columns);
        assert!(none.is_none());
        let mut odd = HeaderMap::new();
        odd.insert(
            header::COOKIE,
            HeaderValue::from_static("ledger_cols=x.<b>"),
        );
        let (unknown, _) = ColumnChoice::default().resolve(&odd, false);
        assert!(unknown.is_empty(), "unknown codes are ignored");
    }
}
