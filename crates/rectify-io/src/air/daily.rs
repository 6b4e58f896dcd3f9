//! Daily tables: from hourly data (stations and cities), to and from the daily CSV.

use super::hourly::HourlyData;
use crate::csv_cell::csv_cell;
use crate::{ReadError, RowProblem};
use rectify_air::aqi::{HourlyMethod, ReportKind, ReportOptions, report};
use rectify_air::daily::{
    CityMethod, DailyItem, DailyValue, DailyValues, HourGrid, Validity, city_day_from_station_days,
    city_hours, daily_values, daily_values_micro, exact_grid,
};
use rectify_air::date::Date;
use rectify_air::exact::parse_exact;
use rectify_air::standard::StandardChoice;
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

/// Daily values of one site (a station, or `city:<name>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteDay {
    pub site: String,
    pub date: Date,
    pub values: DailyValues,
    pub dust: bool,
}

pub const CITY_PREFIX: &str = "city:";

/// Daily values of every station-day, computed on `threads` workers, then one row per city and
/// day. Stations come first in file order, then cities by name.
pub fn compute_daily(data: &HourlyData, method: CityMethod, threads: usize) -> Vec<SiteDay> {
    let station_rows = in_parallel(&data.days, threads, |d| SiteDay {
        site: data.stations[d.station as usize].name.clone(),
        date: d.date,
        values: daily_values_micro(&d.grid),
        dust: d.dust,
    });
    let groups = city_groups(data);
    let city_rows = in_parallel(&groups, threads, |((city, date), members)| {
        let values = match method {
            CityMethod::MeanOfStationDays => {
                let v: Vec<DailyValues> = members.iter().map(|&i| station_rows[i].values).collect();
                city_day_from_station_days(&v)
            }
            CityMethod::FromCityHours => {
                let grids: Vec<HourGrid> = members
                    .iter()
                    .map(|&i| exact_grid(&data.days[i].grid))
                    .collect();
                daily_values(&city_hours(&grids))
            }
        };
        SiteDay {
            site: format!("{CITY_PREFIX}{city}"),
            date: *date,
            values,
            dust: members.iter().any(|&i| data.days[i].dust),
        }
    });
    let mut rows = station_rows;
    rows.extend(city_rows);
    rows
}

/// `f` over `items` on `threads` workers, results in order.
pub(crate) fn in_parallel<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let chunk = items.len().div_ceil(threads.max(1)).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(|| part.iter().map(&f).collect::<Vec<R>>()))
            .collect();
        // The others are appended to the first worker's vector, grown in place: collecting
        // into a new one copied every result into fresh memory (a daily table is 200 MB).
        // A worker's panic is passed on, never read as a chunk with nothing in it.
        let mut parts = handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
        let mut all = parts.next().unwrap_or_default();
        all.reserve(items.len().saturating_sub(all.len()));
        for mut part in parts {
            all.append(&mut part);
        }
        all
    })
}

/// (city, date) → indexes into `data.days`, in city and date order.
fn city_groups(data: &HourlyData) -> Vec<((&str, Date), Vec<usize>)> {
    // Hashed by (station's city, day) first: a string-keyed ordered map per station-day is slow.
    let mut groups: HashMap<(&str, i32), Vec<usize>> = HashMap::new();
    for (i, d) in data.days.iter().enumerate() {
        if let Some(city) = &data.stations[d.station as usize].city {
            groups
                .entry((city.as_str(), d.date.day_number()))
                .or_default()
                .push(i);
        }
    }
    let mut groups: Vec<((&str, Date), Vec<usize>)> = groups
        .into_iter()
        .map(|((city, day), members)| ((city, Date::from_day_number(day)), members))
        .collect();
    groups.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    groups
}

/// Column order of the daily CSV.
pub fn daily_header() -> Vec<String> {
    let mut h = vec!["station".to_string(), "date".to_string()];
    h.extend(DailyItem::ALL.iter().map(|i| i.code().to_string()));
    h.extend(DailyItem::ALL.iter().map(|i| format!("valid_{}", i.code())));
    for extra in ["dust", "standard", "aqi", "level", "category", "primary"] {
        h.push(extra.to_string());
    }
    h
}

/// Concentrations at published precision; invalid values are left blank and flagged 0.
/// Rows are formatted on `threads` workers and written in order.
pub fn write_daily_csv(
    rows: &[SiteDay],
    choice: StandardChoice,
    threads: usize,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let mut header = csv::Writer::from_writer(Vec::new());
    header.write_record(daily_header())?;
    out.write_all(&header.into_inner().map_err(|e| e.into_error())?)?;
    let chunk = rows.len().div_ceil(threads.max(1)).max(1);
    let buffers: Vec<std::io::Result<Vec<u8>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = rows
            .chunks(chunk)
            .map(|part| scope.spawn(move || format_rows(part, choice)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(std::io::Error::other("formatting thread failed")))
            })
            .collect()
    });
    for buffer in buffers {
        out.write_all(&buffer?)?;
    }
    out.flush()
}

fn format_rows(rows: &[SiteDay], choice: StandardChoice) -> std::io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::with_capacity(rows.len() * 96));
    let mut scratch = String::with_capacity(32);
    for row in rows {
        let view = RowView {
            site: &row.site,
            date: row.date,
            values: &row.values,
            dust: row.dust,
        };
        write_row(&mut w, &mut scratch, &view, choice)?;
    }
    w.into_inner().map_err(|e| e.into_error())
}

/// One row of the daily CSV, as the table holds it or as the streaming reader has it.
pub(crate) struct RowView<'a> {
    pub site: &'a str,
    pub date: Date,
    pub values: &'a DailyValues,
    pub dust: bool,
}

/// Writes one row; every daily CSV row, whichever path computed it, is formatted here.
pub(crate) fn write_row(
    w: &mut csv::Writer<Vec<u8>>,
    scratch: &mut String,
    row: &RowView<'_>,
    choice: StandardChoice,
) -> csv::Result<()> {
    use std::fmt::Write as _;
    // Fields are written one by one from a scratch buffer: no allocation per cell.
    let mut field = |w: &mut csv::Writer<Vec<u8>>, f: &dyn Fn(&mut String)| {
        scratch.clear();
        f(scratch);
        w.write_field(scratch.as_bytes())
    };
    w.write_field(csv_cell(row.site).as_bytes())?;
    field(w, &|s| {
        let _ = write!(s, "{}", row.date);
    })?;
    for item in DailyItem::ALL {
        field(w, &|s| {
            if let Some(v) = row.values.get(item).valid() {
                let _ = v.write_fixed(item.decimals(), s);
            }
        })?;
    }
    for item in DailyItem::ALL {
        w.write_field(if row.values.get(item).validity.is_valid() {
            b"1"
        } else {
            b"0"
        })?;
    }
    let standard = choice.for_date(row.date);
    let options = ReportOptions {
        standard,
        kind: ReportKind::Daily,
        hourly_method: HourlyMethod::Text,
    };
    let r = report(&row.values.concentrations(), options);
    w.write_field(if row.dust { b"1" } else { b"0" })?;
    field(w, &|s| {
        let _ = write!(s, "{standard}");
    })?;
    field(w, &|s| {
        if let Some(a) = r.aqi {
            let _ = write!(s, "{a}");
        }
    })?;
    field(w, &|s| {
        if let Some(l) = r.level {
            let _ = write!(s, "{}", l.number);
        }
    })?;
    w.write_field(r.level.map_or("", |l| l.category).as_bytes())?;
    field(w, &|s| {
        for (i, p) in r.primary.iter().enumerate() {
            if i > 0 {
                s.push(';');
            }
            s.push_str(p.name());
        }
    })?;
    w.write_record(None::<&[u8]>)
}

/// Reads a daily CSV (ours, or any with `station,date` and the item columns). A value present
/// is valid unless its `valid_*` column says 0.
pub fn read_daily_csv(path: &Path) -> Result<(Vec<SiteDay>, Vec<RowProblem>), ReadError> {
    let format = |message: String| ReadError::Format {
        path: path.to_path_buf(),
        message,
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .map_err(|e| format(e.to_string()))?;
    let names: Vec<String> = reader
        .headers()
        .map_err(|e| format(e.to_string()))?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let find = |n: &str| names.iter().position(|h| h == n);
    let site = find("station").ok_or_else(|| format("缺少 station 列".into()))?;
    let date = find("date").ok_or_else(|| format("缺少 date 列".into()))?;
    let items: Vec<(DailyItem, Option<usize>, Option<usize>)> = DailyItem::ALL
        .iter()
        .map(|i| (*i, find(i.code()), find(&format!("valid_{}", i.code()))))
        .collect();
    let dust = find("dust");
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let line = n as u64 + 2;
        let record = record.map_err(|e| format(format!("第 {line} 行：{e}")))?;
        let problem = |column: &str, message: String| RowProblem {
            line: Some(line),
            column: Some(column.to_string()),
            message,
        };
        let Some(day) = Date::parse(record.get(date).unwrap_or("").trim()) else {
            problems.push(problem("date", "日期应为 YYYY-MM-DD".into()));
            continue;
        };
        let mut values = DailyValues {
            items: [DailyValue::NONE; 7],
        };
        for (item, column, valid_column) in &items {
            let Some(c) = column else { continue };
            let flagged_invalid = valid_column
                .and_then(|v| record.get(v))
                .is_some_and(|v| v.trim() == "0");
            match parse_exact(record.get(*c).unwrap_or("")) {
                Ok(Some(v)) if !flagged_invalid => {
                    values.items[item.index()] = DailyValue {
                        value: Some(v),
                        validity: Validity::Valid,
                    };
                }
                Ok(_) => {}
                Err(e) => problems.push(problem(item.code(), e.to_string())),
            }
        }
        rows.push(SiteDay {
            site: record.get(site).unwrap_or("").trim().to_string(),
            date: day,
            values,
            dust: dust
                .and_then(|d| record.get(d))
                .is_some_and(|d| d.trim() == "1"),
        });
    }
    Ok((rows, problems))
}
