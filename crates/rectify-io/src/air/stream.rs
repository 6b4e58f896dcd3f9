//! `air daily` straight from an hourly file, without holding its station-day grids.
//!
//! The reader's workers keep only each station's open day. Exports are ordered by station then
//! time, or by time then station, so when a row moves a station on to a later day, the day it
//! leaves is complete: its daily values are computed and its CSV row formatted there and then,
//! and it is added to its city-day's running sums. Only the days that may continue in another
//! worker's range are kept whole — a station's first day in a range (it may have begun in the
//! range before) and its open day at the range's end — and they are merged across workers as
//! the grid path merges them (same problems, same order) before their values are computed.
//!
//! Whatever this cannot answer exactly is read again the grid way (`hourly::read_source`, then
//! `daily::compute_daily`): a quote, a station going back to an earlier day within a range, one
//! station's days in two ranges overlapping beyond those edge days, a station whose city became
//! known only after some of its days closed or differs between ranges, and
//! `CityMethod::FromCityHours`, which needs the hours of every station.

use super::daily::{
    CITY_PREFIX, RowView, SiteDay, compute_daily, daily_header, in_parallel, write_daily_csv,
    write_row,
};
use super::hourly::{
    DayIndex, Days, FileSource, HourlyData, MemorySource, Partial, ReadOptions, Source, Station,
    StationDay, add_problems, day_key, global_station, merge_day, prepare, read_source,
    strict_check,
};
use crate::{ReadError, RowProblem};
use rectify_air::daily::{CityDay, CityMethod, DailyValues, EMPTY_MICRO_GRID, daily_values_micro};
use rectify_air::date::Date;
use rectify_air::standard::StandardChoice;
use std::collections::HashMap;
use std::io::Write;
use std::ops::Range;
use std::path::Path;

/// A daily table ready to be written: the station rows, then the city rows.
pub struct DailyTable {
    pub stations: usize,
    /// Hourly rows read.
    pub rows: u64,
    pub problems: Vec<RowProblem>,
    body: Body,
}

enum Body {
    /// Rows formatted as the file was read, in output order through `order`.
    Streamed(Box<Streamed>),
    /// The grid path's rows, formatted when written.
    Rows {
        rows: Vec<SiteDay>,
        choice: StandardChoice,
        threads: usize,
    },
}

impl DailyTable {
    /// Site-days in the table (stations and cities).
    pub fn len(&self) -> usize {
        match &self.body {
            Body::Streamed(s) => s.order.len() + s.city_rows,
            Body::Rows { rows, .. } => rows.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the rows were computed while streaming (not read again the grid way).
    pub fn streamed(&self) -> bool {
        matches!(self.body, Body::Streamed(_))
    }

    /// The CSV, byte for byte what `write_daily_csv` writes for the same rows.
    pub fn write(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let streamed = match &self.body {
            Body::Rows {
                rows,
                choice,
                threads,
            } => return write_daily_csv(rows, *choice, *threads, out),
            Body::Streamed(s) => s,
        };
        let mut header = csv::Writer::from_writer(Vec::new());
        header.write_record(daily_header())?;
        out.write_all(&header.into_inner().map_err(|e| e.into_error())?)?;
        // Rows lying next to each other in one buffer go out in one write.
        let mut pending: Option<(u32, Range<usize>)> = None;
        for row in &streamed.order {
            match &mut pending {
                Some((buffer, range)) if *buffer == row.buffer && range.end == row.text.start => {
                    range.end = row.text.end;
                }
                _ => {
                    if let Some((buffer, range)) = pending.take() {
                        out.write_all(&streamed.buffer(buffer)[range])?;
                    }
                    pending = Some((row.buffer, row.text.clone()));
                }
            }
        }
        if let Some((buffer, range)) = pending {
            out.write_all(&streamed.buffer(buffer)[range])?;
        }
        for part in &streamed.cities {
            out.write_all(part)?;
        }
        out.flush()
    }
}

/// The daily table of an hourly export on disk.
pub fn daily_table_from_file(
    path: &Path,
    options: ReadOptions<'_>,
    method: CityMethod,
    choice: StandardChoice,
) -> Result<DailyTable, ReadError> {
    let len = std::fs::metadata(path)
        .map_err(|source| ReadError::Io {
            path: path.to_path_buf(),
            source,
        })?
        .len();
    daily_table(path, &FileSource { path, len }, options, method, choice)
}

/// The daily table of an hourly export held in memory; `path` only names it in messages.
pub fn daily_table_from_bytes(
    path: &Path,
    bytes: &[u8],
    options: ReadOptions<'_>,
    method: CityMethod,
    choice: StandardChoice,
) -> Result<DailyTable, ReadError> {
    daily_table(path, &MemorySource(bytes), options, method, choice)
}

fn daily_table(
    path: &Path,
    source: &dyn Source,
    options: ReadOptions<'_>,
    method: CityMethod,
    choice: StandardChoice,
) -> Result<DailyTable, ReadError> {
    if method == CityMethod::MeanOfStationDays {
        let prepared = prepare(path, source, options)?;
        let stream = |bytes| Days::Stream(Box::new(OpenDays::new(choice, bytes)));
        if let Ok(partials) = prepared.run_workers(options, stream)
            && let Some(table) = merge(partials, choice, threads(options))
        {
            strict_check(path, options, &table.problems)?;
            return Ok(table);
        }
    }
    let data = read_source(path, source, options)?;
    let threads = threads(options);
    Ok(DailyTable {
        stations: data.stations.len(),
        rows: data.rows,
        body: Body::Rows {
            rows: compute_daily(&data, method, threads),
            choice,
            threads,
        },
        problems: data.problems,
    })
}

fn threads(options: ReadOptions<'_>) -> usize {
    match options.threads {
        0 => std::thread::available_parallelism().map_or(1, usize::from),
        n => n,
    }
}

/// One worker's streaming store: each station's open day, the rows of the days closed.
pub(super) struct OpenDays {
    choice: StandardChoice,
    /// Per local station (ids are dense, in order of first appearance).
    stations: Vec<LocalStation>,
    /// Every station-day of the range, in order of first appearance (the grid path's order).
    entries: Vec<Entry>,
    /// Days that may continue in another range, by entry: kept whole until the merge.
    held: Vec<(usize, StationDay)>,
    text: csv::Writer<Vec<u8>>,
    scratch: String,
    city_ids: HashMap<String, u32>,
    city_names: Vec<String>,
    city_index: DayIndex,
    city_days: Vec<CityAcc>,
    /// Set when this store cannot answer exactly; the worker then stops.
    fall_back: bool,
    /// A closed day's grid, cleared for the next day to open.
    spare: Option<Box<rectify_air::daily::MicroGrid>>,
}

#[derive(Default)]
struct LocalStation {
    open: Option<Open>,
    /// The first and the last day the station had in this range.
    span: Option<(Date, Date)>,
    closed_any: bool,
    closed_without_city: bool,
    city: Option<u32>,
}

struct Open {
    entry: usize,
    /// The station's first day in the range.
    head: bool,
    day: StationDay,
}

#[derive(Clone)]
struct Entry {
    station: u32,
    date: Date,
    state: EntryState,
}

#[derive(Clone, PartialEq, Eq)]
enum EntryState {
    Open,
    /// Formatted into the worker's text.
    Text(Range<usize>),
    /// Kept whole; after the merge, the index of its day among the merged held days.
    Held(Option<usize>),
    /// Merged into the same day of an earlier range.
    Absorbed,
}

struct CityAcc {
    city: u32,
    date: Date,
    day: CityDay,
    dust: bool,
}

impl OpenDays {
    /// A store for a range of `bytes` bytes of the file.
    fn new(choice: StandardChoice, bytes: u64) -> OpenDays {
        // A station-day is about 24 rows of 40-50 bytes in and a row of about 90 bytes out:
        // reserved once, so the output is not copied as it grows.
        let days = (bytes / 1000) as usize + 16;
        OpenDays {
            choice,
            stations: Vec::new(),
            entries: Vec::with_capacity(days),
            held: Vec::new(),
            text: csv::Writer::from_writer(Vec::with_capacity(days * 100)),
            scratch: String::new(),
            city_ids: HashMap::new(),
            city_names: Vec::new(),
            city_index: DayIndex::default(),
            city_days: Vec::new(),
            fall_back: false,
            spare: None,
        }
    }

    pub(super) fn must_fall_back(&self) -> bool {
        self.fall_back
    }

    pub(super) fn day_mut(&mut self, station: usize) -> Option<&mut StationDay> {
        Some(&mut self.stations.get_mut(station)?.open.as_mut()?.day)
    }

    /// The station's open day for `date`, closing the one before; `None` (and the store falls
    /// back) when the station goes back to an earlier day.
    pub(super) fn day(&mut self, station: u32, date: Date, names: &[Station]) -> Option<usize> {
        let s = station as usize;
        if s == self.stations.len() {
            self.stations.push(LocalStation::default());
        }
        let Some(local) = self.stations.get_mut(s) else {
            self.fall_back = true;
            return None;
        };
        let head = match &local.open {
            Some(open) if open.day.date == date => return Some(s),
            Some(open) if open.day.date > date => {
                self.fall_back = true;
                return None;
            }
            Some(_) => false,
            None => true,
        };
        local.span = Some(match local.span {
            Some((first, _)) => (first, date),
            None => (date, date),
        });
        if let Some(open) = local.open.take() {
            self.close(open, names);
        }
        let entry = self.entries.len();
        self.entries.push(Entry {
            station,
            date,
            state: EntryState::Open,
        });
        let grid = match self.spare.take() {
            Some(mut grid) => {
                *grid = EMPTY_MICRO_GRID;
                grid
            }
            None => Box::new(EMPTY_MICRO_GRID),
        };
        let day = StationDay {
            station,
            date,
            grid,
            dust: false,
        };
        if let Some(local) = self.stations.get_mut(s) {
            local.open = Some(Open { entry, head, day });
        }
        Some(s)
    }

    /// A day the station has left: formatted and added to its city, or kept whole if it was the
    /// station's first in the range.
    fn close(&mut self, open: Open, names: &[Station]) {
        if open.head {
            self.hold(open);
            return;
        }
        let day = open.day;
        let Some(station) = names.get(day.station as usize) else {
            self.fall_back = true;
            return;
        };
        let values = daily_values_micro(&day.grid);
        let start = self.text.get_ref().len();
        let row = RowView {
            site: &station.name,
            date: day.date,
            values: &values,
            dust: day.dust,
        };
        // Into memory, this cannot fail; if it did, the grid path would report it.
        if write_row(&mut self.text, &mut self.scratch, &row, self.choice).is_err()
            || self.text.flush().is_err()
        {
            self.fall_back = true;
            return;
        }
        let end = self.text.get_ref().len();
        if let Some(entry) = self.entries.get_mut(open.entry) {
            entry.state = EntryState::Text(start..end);
        }
        self.add_to_city(day.station as usize, station, day.date, &values, day.dust);
        self.spare = Some(day.grid);
    }

    fn hold(&mut self, open: Open) {
        if let Some(entry) = self.entries.get_mut(open.entry) {
            entry.state = EntryState::Held(None);
        }
        self.held.push((open.entry, open.day));
    }

    fn add_to_city(
        &mut self,
        s: usize,
        station: &Station,
        date: Date,
        values: &DailyValues,
        dust: bool,
    ) {
        let Some(local) = self.stations.get_mut(s) else {
            return;
        };
        local.closed_any = true;
        let Some(name) = &station.city else {
            local.closed_without_city = true;
            return;
        };
        let city = match local.city {
            Some(id) => id,
            None => {
                let next = self.city_names.len() as u32;
                let id = *self.city_ids.entry(name.clone()).or_insert(next);
                if id == next {
                    self.city_names.push(name.clone());
                }
                local.city = Some(id);
                id
            }
        };
        let days = &mut self.city_days;
        let index = *self
            .city_index
            .entry(day_key(city, date))
            .or_insert_with(|| {
                days.push(CityAcc {
                    city,
                    date,
                    day: CityDay::default(),
                    dust: false,
                });
                days.len() - 1
            });
        if let Some(acc) = days.get_mut(index) {
            acc.day.add(values);
            acc.dust |= dust;
        }
    }

    /// The range is read: the open days may continue in the next one.
    fn finish(&mut self) {
        let open: Vec<Open> = self
            .stations
            .iter_mut()
            .filter_map(|s| s.open.take())
            .collect();
        for day in open {
            self.hold(day);
        }
        // In order of first appearance, as the grid path meets them when merging.
        self.held.sort_unstable_by_key(|(entry, _)| *entry);
    }
}

/// The streamed rows and where each lies.
struct Streamed {
    /// Each worker's formatted rows.
    texts: Vec<Vec<u8>>,
    /// The rows of the days held for the merge.
    held: Vec<u8>,
    order: Vec<RowAt>,
    /// The city rows, in parts formatted on the workers.
    cities: Vec<Vec<u8>>,
    city_rows: usize,
}

const HELD_BUFFER: u32 = u32::MAX;

struct RowAt {
    key: u64,
    buffer: u32,
    text: Range<usize>,
}

impl Streamed {
    fn buffer(&self, buffer: u32) -> &[u8] {
        match buffer {
            HELD_BUFFER => &self.held,
            w => self.texts.get(w as usize).map_or(&[], Vec::as_slice),
        }
    }
}

/// Joins the workers' stores as `hourly::merge` joins their grids; `None` when the result
/// could differ from the grid path's.
fn merge(
    partials: Vec<(Partial, u64)>,
    choice: StandardChoice,
    threads: usize,
) -> Option<DailyTable> {
    let mut workers: Vec<(Box<OpenDays>, Vec<u32>)> = Vec::with_capacity(partials.len());
    let mut data = HourlyData::default();
    let mut ids = HashMap::new();
    let mut held: Vec<StationDay> = Vec::new();
    let mut held_index = DayIndex::default();
    // Line 1 is the header.
    let mut lines_before = 1_u64;
    let mut local_cities = Vec::with_capacity(partials.len());
    for (partial, lines) in partials {
        let Days::Stream(mut open) = partial.days else {
            return None;
        };
        if open.fall_back {
            return None;
        }
        open.finish();
        data.rows += partial.rows;
        add_problems(&mut data, partial.problems, lines_before);
        lines_before += lines;
        local_cities.push(partial.stations.iter().map(|s| s.city.clone()).collect());
        let to_global: Vec<u32> = partial
            .stations
            .into_iter()
            .map(|s| global_station(&mut data, &mut ids, s))
            .collect();
        for (entry, mut day) in std::mem::take(&mut open.held) {
            day.station = *to_global.get(day.station as usize)?;
            let key = day_key(day.station, day.date);
            let state = match held_index.get(&key) {
                Some(&i) => {
                    merge_day(held.get_mut(i)?, &day, &mut data.problems);
                    EntryState::Absorbed
                }
                None => {
                    held_index.insert(key, held.len());
                    held.push(day);
                    EntryState::Held(Some(held.len() - 1))
                }
            };
            open.entries.get_mut(entry)?.state = state;
        }
        workers.push((open, to_global));
    }
    if !edges_only_overlap(&workers, data.stations.len())
        || !cities_agree(&workers, &local_cities, &data.stations)
    {
        return None;
    }
    let mut cities: HashMap<(String, Date), (CityDay, bool)> = HashMap::new();
    for (open, _) in &workers {
        for acc in &open.city_days {
            let name = open.city_names.get(acc.city as usize)?;
            let city = cities.entry((name.clone(), acc.date)).or_default();
            city.0.merge(&acc.day);
            city.1 |= acc.dust;
        }
    }
    let (held_text, held_rows) = format_held(&held, &data.stations, choice, &mut cities)?;
    let order = row_order(&workers, &held_rows)?;
    let (city_text, city_rows) = format_cities(cities, choice, threads)?;
    let texts = workers
        .into_iter()
        .map(|(open, _)| open.text.into_inner().map_err(|_| ()))
        .collect::<Result<Vec<_>, ()>>()
        .ok()?;
    Some(DailyTable {
        stations: data.stations.len(),
        rows: data.rows,
        problems: data.problems,
        body: Body::Streamed(Box::new(Streamed {
            texts,
            held: held_text,
            order,
            cities: city_text,
            city_rows,
        })),
    })
}

/// Whether any day a station has in two ranges is an edge day (first or last) in both, so that
/// both hold it whole: otherwise a day closed in one range may have had hours in another.
fn edges_only_overlap(workers: &[(Box<OpenDays>, Vec<u32>)], stations: usize) -> bool {
    let mut spans: Vec<Vec<(Date, Date)>> = vec![Vec::new(); stations];
    for (open, to_global) in workers {
        for (local, station) in open.stations.iter().zip(to_global) {
            if let (Some(span), Some(list)) = (local.span, spans.get_mut(*station as usize)) {
                list.push(span);
            }
        }
    }
    spans.iter().all(|list| {
        list.iter().enumerate().all(|(i, a)| {
            list[i + 1..].iter().all(|b| {
                let (from, to) = (a.0.max(b.0), a.1.min(b.1));
                let edge = |s: &(Date, Date)| from == s.0 || from == s.1;
                from > to || from == to && edge(a) && edge(b)
            })
        })
    })
}

/// Whether every station's closed days went to the city the grid path gives it (the first city
/// any range read for it).
fn cities_agree(
    workers: &[(Box<OpenDays>, Vec<u32>)],
    local_cities: &[Vec<Option<String>>],
    stations: &[Station],
) -> bool {
    workers
        .iter()
        .zip(local_cities)
        .all(|((open, to_global), cities)| {
            open.stations
                .iter()
                .zip(to_global)
                .zip(cities)
                .all(|((local, station), city)| {
                    let global = stations
                        .get(*station as usize)
                        .and_then(|s| s.city.as_ref());
                    !local.closed_any
                        || !(local.closed_without_city && global.is_some())
                            && (city.is_none() || city.as_ref() == global)
                })
        })
}

/// The held days' rows, formatted now that they are whole, and their values added to their
/// cities. Returns the text and each held day's range in it.
fn format_held(
    held: &[StationDay],
    stations: &[Station],
    choice: StandardChoice,
    cities: &mut HashMap<(String, Date), (CityDay, bool)>,
) -> Option<(Vec<u8>, Vec<Range<usize>>)> {
    let mut text = csv::Writer::from_writer(Vec::new());
    let mut scratch = String::new();
    let mut ranges = Vec::with_capacity(held.len());
    for day in held {
        let station = stations.get(day.station as usize)?;
        let values = daily_values_micro(&day.grid);
        let start = text.get_ref().len();
        let row = RowView {
            site: &station.name,
            date: day.date,
            values: &values,
            dust: day.dust,
        };
        write_row(&mut text, &mut scratch, &row, choice).ok()?;
        text.flush().ok()?;
        ranges.push(start..text.get_ref().len());
        if let Some(city) = &station.city {
            let acc = cities.entry((city.clone(), day.date)).or_default();
            acc.0.add(&values);
            acc.1 |= day.dust;
        }
    }
    Some((text.into_inner().ok()?, ranges))
}

/// Every station-day's row in the grid path's order: by station (in order of first
/// appearance), then date.
fn row_order(
    workers: &[(Box<OpenDays>, Vec<u32>)],
    held_rows: &[Range<usize>],
) -> Option<Vec<RowAt>> {
    let mut order = Vec::with_capacity(workers.iter().map(|(o, _)| o.entries.len()).sum());
    for (w, (open, to_global)) in workers.iter().enumerate() {
        for entry in &open.entries {
            let key = day_key(*to_global.get(entry.station as usize)?, entry.date);
            let (buffer, text) = match &entry.state {
                EntryState::Text(range) => (w as u32, range.clone()),
                EntryState::Held(Some(i)) => (HELD_BUFFER, held_rows.get(*i)?.clone()),
                EntryState::Absorbed => continue,
                EntryState::Open | EntryState::Held(None) => return None,
            };
            order.push(RowAt { key, buffer, text });
        }
    }
    // Already so when the file is ordered by station; a file ordered by time is sorted here.
    if !order.is_sorted_by_key(|r| r.key) {
        order.sort_unstable_by_key(|r| r.key);
    }
    Some(order)
}

/// The city rows, by city name then date, formatted on `threads` workers (a year of a
/// hundred cities is 36,500 rows, a tenth of the file's formatting).
fn format_cities(
    cities: HashMap<(String, Date), (CityDay, bool)>,
    choice: StandardChoice,
    threads: usize,
) -> Option<(Vec<Vec<u8>>, usize)> {
    let mut cities: Vec<CityRow> = cities.into_iter().collect();
    cities.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let size = cities.len().div_ceil(threads.max(1)).max(1);
    let parts: Vec<_> = cities.chunks(size).collect();
    let texts = in_parallel(&parts, threads, |part| format_city_rows(part, choice));
    Some((texts.into_iter().collect::<Option<Vec<_>>>()?, cities.len()))
}

/// A city-day: the city's name and the date, its stations' running sums and dust.
type CityRow = ((String, Date), (CityDay, bool));

fn format_city_rows(cities: &[CityRow], choice: StandardChoice) -> Option<Vec<u8>> {
    let mut text = csv::Writer::from_writer(Vec::new());
    let mut scratch = String::new();
    for ((city, date), (day, dust)) in cities {
        let site = format!("{CITY_PREFIX}{city}");
        let values = day.values();
        let row = RowView {
            site: &site,
            date: *date,
            values: &values,
            dust: *dust,
        };
        write_row(&mut text, &mut scratch, &row, choice).ok()?;
    }
    text.into_inner().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::air::hourly::read_hourly_bytes;

    /// One hourly row: station, city, day of March 2025, hour 0..=23 (end-labelled: hour 0 is
    /// the previous day's last slot), the values line.
    type Row = (usize, usize, u32, u32, String);

    /// A small pseudo-random sequence, so every run reads the same files.
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self, below: u64) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (self.0 >> 33) % below
        }
    }

    /// `stations` stations over `days` days, some hours missing and some cells blank (so some
    /// items are invalid), some dust; ordered station by station, then time.
    fn rows(stations: usize, days: u32, seed: u64) -> Vec<Row> {
        let mut rng = Lcg(seed);
        let mut out = Vec::new();
        for s in 0..stations {
            let sparse = rng.next(4) == 0;
            for day in 1..=days {
                for hour in 0..24 {
                    if sparse && rng.next(3) == 0 || rng.next(40) == 0 {
                        continue;
                    }
                    let co = format!("{}.{}", rng.next(4), rng.next(10));
                    let dust = u8::from(rng.next(30) == 0);
                    let mut cell = |max: u64| {
                        if rng.next(25) == 0 {
                            String::new()
                        } else {
                            rng.next(max).to_string()
                        }
                    };
                    let values = format!(
                        "{},{},{co},{},{},{},{dust}",
                        cell(80),
                        cell(120),
                        cell(260),
                        cell(300),
                        cell(220),
                    );
                    out.push((s, s % 3, day, hour, values));
                }
            }
        }
        out
    }

    fn text(rows: &[Row]) -> String {
        let mut t = String::from("station,city,time,so2,no2,co,o3,pm10,pm25,dust\n");
        for (s, c, day, hour, values) in rows {
            t.push_str(&format!(
                "S{s},C{c},2025-03-{day:02} {hour:02}:00,{values}\n"
            ));
        }
        t
    }

    fn options(threads: usize) -> ReadOptions<'static> {
        ReadOptions {
            threads,
            ..ReadOptions::default()
        }
    }

    /// The grid path's CSV and problems.
    fn grid_way(text: &str, threads: usize) -> (Vec<u8>, Vec<RowProblem>) {
        let data = read_hourly_bytes(Path::new("h.csv"), text.as_bytes(), options(threads))
            .unwrap_or_default();
        let rows = compute_daily(&data, CityMethod::MeanOfStationDays, threads);
        let mut out = Vec::new();
        assert!(write_daily_csv(&rows, StandardChoice::Auto, threads, &mut out).is_ok());
        (out, data.problems)
    }

    fn table(text: &str, threads: usize) -> DailyTable {
        let method = CityMethod::MeanOfStationDays;
        let choice = StandardChoice::Auto;
        match daily_table_from_bytes(
            Path::new("h.csv"),
            text.as_bytes(),
            options(threads),
            method,
            choice,
        ) {
            Ok(table) => table,
            Err(e) => panic!("{e}"),
        }
    }

    /// Whether the table came out streamed; panics unless it equals the grid path's.
    fn same_as_grid(text: &str, threads: usize) -> bool {
        let table = table(text, threads);
        let mut out = Vec::new();
        assert!(table.write(&mut out).is_ok());
        let (expected, problems) = grid_way(text, threads);
        assert_eq!(
            String::from_utf8_lossy(&out),
            String::from_utf8_lossy(&expected),
            "{threads} threads"
        );
        assert_eq!(table.problems, problems, "{threads} threads");
        assert_eq!(table.len() + 1, expected.split(|&b| b == b'\n').count() - 1);
        table.streamed()
    }

    #[test]
    fn files_ordered_by_station_stream_and_equal_the_grid_path_at_every_cut() {
        for seed in 0..6 {
            let text = text(&rows(5, 4, seed));
            // Up to 9 ranges: their cuts fall inside station-days, some inside a station's
            // first or last day, some ranges within one station.
            for threads in 1..=9 {
                assert!(same_as_grid(&text, threads), "seed {seed}, {threads}");
            }
        }
    }

    #[test]
    fn long_files_stream_and_equal_the_grid_path() {
        let wide = text(&rows(3, 3, 21));
        let mut long = String::from("station,city,time,pollutant,value,dust\n");
        let names = ["so2", "no2", "co", "o3", "pm10", "PM2.5"];
        for line in wide.lines().skip(1) {
            let cells: Vec<&str> = line.split(',').collect();
            for (name, value) in names.iter().zip(&cells[3..9]) {
                let (station, city, time, dust) = (cells[0], cells[1], cells[2], cells[9]);
                long.push_str(&format!("{station},{city},{time},{name},{value},{dust}\n"));
            }
        }
        for threads in 1..=5 {
            assert!(same_as_grid(&long, threads), "{threads}");
        }
    }

    #[test]
    fn files_ordered_by_time_stream_and_equal_the_grid_path() {
        for seed in 0..4 {
            let mut rows = rows(6, 3, seed);
            rows.sort_by_key(|(s, _, day, hour, _)| (*day, *hour, *s));
            let text = text(&rows);
            for threads in 1..=5 {
                assert!(same_as_grid(&text, threads), "seed {seed}, {threads}");
            }
        }
    }

    #[test]
    fn unordered_files_and_reappearing_days_are_read_the_grid_way() {
        for seed in 0..4 {
            let mut shuffled = rows(4, 3, seed);
            let mut rng = Lcg(seed + 100);
            for i in (1..shuffled.len()).rev() {
                shuffled.swap(i, rng.next(i as u64 + 1) as usize);
            }
            for threads in 1..=4 {
                assert!(!same_as_grid(&text(&shuffled), threads));
            }
        }
        // S1's 2 March comes back after S1 moved on to 3 March, within one range: read again.
        let mut rows = rows(3, 3, 7);
        let back = rows
            .iter()
            .position(|(s, _, day, hour, _)| (*s, *day, *hour) == (1, 2, 5))
            .unwrap_or(0);
        let moved = rows.remove(back);
        let at = rows
            .iter()
            .position(|(s, _, day, _, _)| (*s, *day) == (1, 3))
            .unwrap_or(0);
        rows.insert(at + 10, moved.clone());
        assert!(!same_as_grid(&text(&rows), 1));
        // The same hour again at the end of the file: in another range it overlaps a day the
        // first range closed, so the grid path reads it (and reports the duplicate).
        let mut twice = rows.clone();
        twice.push(moved);
        for threads in 1..=4 {
            assert!(!same_as_grid(&text(&twice), threads));
        }
    }

    #[test]
    fn a_day_split_between_the_edges_of_two_ranges_is_merged_exactly() {
        // S0's 1 March in two halves, at the start and at the end of the file: with two
        // ranges, it is the first day of the first and the last day of the second, so both
        // hold it whole, and the hour given twice is reported as the grid path reports it.
        // Slot day 1 is 01:00 of 1 March to 00:00 of 2 March; 00:00 of 1 March (the day
        // before) is left out so that no row goes back before it.
        let slot_day = |day: u32, hour: u32| if hour == 0 { day - 1 } else { day };
        let all: Vec<Row> = rows(3, 2, 11)
            .into_iter()
            .filter(|(_, _, day, hour, _)| slot_day(*day, *hour) > 0)
            .collect();
        let (first, rest): (Vec<Row>, Vec<Row>) = all
            .into_iter()
            .partition(|(s, _, day, hour, _)| (*s, slot_day(*day, *hour)) == (0, 1) && *hour < 12);
        let (late, rest): (Vec<Row>, Vec<Row>) = rest
            .into_iter()
            .partition(|(s, _, day, hour, _)| (*s, slot_day(*day, *hour)) == (0, 1));
        let mut rows = first.clone();
        rows.extend(rest);
        rows.extend(late);
        rows.push(first[0].clone());
        let text = text(&rows);
        assert!(same_as_grid(&text, 2));
        let table = table(&text, 2);
        assert!(table.problems.iter().any(|p| p.message.contains("重复")));
        for threads in 1..=6 {
            same_as_grid(&text, threads);
        }
    }

    #[test]
    fn a_station_whose_city_comes_late_or_differs_is_read_the_grid_way() {
        let rows = rows(2, 3, 3);
        // S0's city cell is blank until its third day: its first days closed without one.
        let mut text = text(&rows).replace("S0,C0,2025-03-01", "S0,,2025-03-01");
        text = text.replace("S0,C0,2025-03-02", "S0,,2025-03-02");
        assert!(!same_as_grid(&text, 1));
        // With no city column at all, there are no city rows and nothing to disagree.
        let plain: String = text
            .lines()
            .map(|l| {
                let mut cells: Vec<&str> = l.split(',').collect();
                cells.remove(1);
                cells.join(",") + "\n"
            })
            .collect();
        assert!(same_as_grid(&plain, 2));
        // S1 in C1 in the first range and in C2 in the second: the grid path takes C1 for
        // all its days, the second range had closed some of them in C2.
        let mut rows: Vec<Row> = self::rows(2, 10, 3);
        rows.retain(|r| r.0 == 1);
        for row in rows.iter_mut().filter(|r| r.2 >= 4) {
            row.1 = 2;
        }
        let text = self::text(&rows);
        assert!(same_as_grid(&text, 1));
        assert!(!same_as_grid(&text, 2));
    }

    #[test]
    fn quoted_files_strict_reading_and_city_hours_take_the_grid_path() {
        let text = text(&rows(2, 2, 5)).replace("S1,", "\"S1\",");
        assert!(!same_as_grid(&text, 2));
        let bad =
            self::text(&rows(2, 2, 5)).replace(",C1,2025-03-02 05:00,", ",C1,2025-03-02 05:30,");
        let strict = ReadOptions {
            strict: true,
            ..options(2)
        };
        let method = CityMethod::MeanOfStationDays;
        let read = |opts| {
            daily_table_from_bytes(
                Path::new("h.csv"),
                bad.as_bytes(),
                opts,
                method,
                StandardChoice::Auto,
            )
        };
        let err = read(strict)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("不是整点"), "{err}");
        assert_eq!(read(options(2)).map(|t| t.problems.len()).ok(), Some(1));
        let hours = daily_table_from_bytes(
            Path::new("h.csv"),
            bad.as_bytes(),
            options(2),
            CityMethod::FromCityHours,
            StandardChoice::Auto,
        );
        assert_eq!(hours.map(|t| t.streamed()).ok(), Some(false));
    }
}
