//! Reading hourly monitoring exports, wide or long, in parallel where the file allows it.
//!
//! - wide: `station,time,so2,no2,co,o3,pm10,pm25` (any subset of the pollutant columns);
//! - long: `station,time,pollutant,value`;
//! - optional `city` and `dust` (0/1) columns in both.
//!
//! Time is Beijing time, `YYYY-MM-DD HH:MM` or ISO (`T`, optional seconds, optional `+08:00`).
//! A value at `HH:00` is by default the mean of the hour ending then (the national platform's
//! labelling); `HourLabel::Start` reads it as the hour starting then.

use crate::{ReadError, RowProblem};
use rectify_air::daily::{EMPTY_MICRO_GRID, MISSING, MicroGrid, Series};
use rectify_air::date::Date;
use rectify_air::exact::parse_micro;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Station {
    pub name: String,
    pub city: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StationDay {
    pub station: u32,
    pub date: Date,
    /// Boxed: merging and sorting the workers' days then moves pointers, not 1.2 KB grids.
    pub grid: Box<MicroGrid>,
    pub dust: bool,
}

#[derive(Debug, Clone, Default)]
pub struct HourlyData {
    /// In order of first appearance.
    pub stations: Vec<Station>,
    /// Sorted by station, then date.
    pub days: Vec<StationDay>,
    pub rows: u64,
    pub problems: Vec<RowProblem>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HourLabel {
    #[default]
    End,
    Start,
}

#[derive(Clone, Copy)]
pub struct ReadOptions<'a> {
    pub strict: bool,
    pub hour_label: HourLabel,
    /// Worker threads; 0 means one per core.
    pub threads: usize,
    /// Called with the number of bytes parsed since the last call.
    pub progress: Option<&'a (dyn Fn(u64) + Sync)>,
}

impl Default for ReadOptions<'_> {
    fn default() -> Self {
        ReadOptions {
            strict: false,
            hour_label: HourLabel::End,
            threads: 0,
            progress: None,
        }
    }
}

#[derive(Debug, Clone)]
enum Layout {
    Wide([Option<usize>; 6]),
    Long { pollutant: usize, value: usize },
}

#[derive(Debug, Clone)]
struct Columns {
    names: Vec<String>,
    station: usize,
    time: usize,
    city: Option<usize>,
    dust: Option<usize>,
    layout: Layout,
}

/// Accepted spellings of each series, for wide headers and long `pollutant` cells.
fn series_of(name: &str) -> Option<Series> {
    match name.trim().to_ascii_lowercase().as_str() {
        "so2" => Some(Series::So2),
        "no2" => Some(Series::No2),
        "co" => Some(Series::Co),
        "o3" | "o3_1h" => Some(Series::O3),
        "pm10" => Some(Series::Pm10),
        "pm25" | "pm2.5" | "pm2_5" => Some(Series::Pm25),
        _ => None,
    }
}

fn parse_header(header: &csv::StringRecord) -> Result<Columns, String> {
    let names: Vec<String> = header
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase())
        .collect();
    let find = |n: &str| names.iter().position(|h| h == n);
    let station = find("station").ok_or("缺少 station 列")?;
    let time = find("time").ok_or("缺少 time 列")?;
    let layout = match (find("pollutant"), find("value")) {
        (Some(pollutant), Some(value)) => Layout::Long { pollutant, value },
        _ => {
            let mut wide = [None; 6];
            for (i, name) in names.iter().enumerate() {
                if let Some(s) = series_of(name) {
                    wide[s.index()] = Some(i);
                }
            }
            if wide.iter().all(Option::is_none) {
                return Err(
                    "既没有污染物列（so2,no2,co,o3,pm10,pm25），也没有 pollutant,value 列".into(),
                );
            }
            Layout::Wide(wide)
        }
    };
    Ok(Columns {
        station,
        time,
        city: find("city"),
        dust: find("dust"),
        layout,
        names,
    })
}

/// `YYYY-MM-DD HH:MM[:SS][+08:00]` or with `T` → (date, hour 0..=23).
/// The last date seen by a worker: consecutive rows mostly share it, so its digits are parsed
/// and validated once.
type DateCache = Option<([u8; 10], Date)>;

fn parse_time(raw: &[u8], cache: &mut DateCache) -> Result<(Date, u8), String> {
    let t = raw.trim_ascii();
    let shown = || rectify_exact::text::quoted(&String::from_utf8_lossy(t));
    let body = t.strip_suffix(b"+08:00").unwrap_or(t);
    let foreign_offset = body.ends_with(b"Z")
        || [16, 19]
            .iter()
            .any(|&i| body.get(i).is_some_and(|b| matches!(b, b'+' | b'-')));
    if foreign_offset {
        return Err(format!("时间“{}”不是北京时间（只接受 +08:00）", shown()));
    }
    let bad = || format!("时间“{}”无法识别，应为 YYYY-MM-DD HH:MM", shown());
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        body.get(range)?.iter().try_fold(0_u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let shape_ok = matches!(body.len(), 16 | 19)
        && body[4] == b'-'
        && body[7] == b'-'
        && matches!(body[10], b' ' | b'T')
        && body[13] == b':'
        && (body.len() == 16 || body[16] == b':');
    if !shape_ok {
        return Err(bad());
    }
    let (Some(hour), Some(minute)) = (digits(11..13), digits(14..16)) else {
        return Err(bad());
    };
    let second = if body.len() == 19 {
        digits(17..19).ok_or_else(bad)?
    } else {
        0
    };
    let date = match cache {
        Some((text, date)) if text[..] == body[..10] => *date,
        _ => {
            let (Some(year), Some(month), Some(day)) = (digits(0..4), digits(5..7), digits(8..10))
            else {
                return Err(bad());
            };
            let date = Date::new(year as i32, month as u8, day as u8).ok_or_else(bad)?;
            let mut text = [0_u8; 10];
            text.copy_from_slice(&body[..10]);
            *cache = Some((text, date));
            date
        }
    };
    if hour > 23 || minute != 0 || second != 0 {
        return Err(format!("时间“{}”不是整点", shown()));
    }
    Ok((date, hour as u8))
}

/// Which site-day and hour slot a timestamp fills.
fn slot(date: Date, hour: u8, label: HourLabel) -> (Date, usize) {
    match (label, hour) {
        (HourLabel::Start, h) => (date, usize::from(h)),
        (HourLabel::End, 0) => (date.pred(), 23),
        (HourLabel::End, h) => (date, usize::from(h) - 1),
    }
}

/// Station-day → index into the days, hashed by one multiplication: the keys are small
/// integers made by the reader, and a station-day is looked up once per 24 rows and again in
/// the merge, where SipHash had been a tenth of the reading.
pub(super) type DayIndex = HashMap<u64, usize, std::hash::BuildHasherDefault<DayKeyHasher>>;

/// Ordered as (station, date): the day number's sign bit is flipped, so days before 1970
/// (negative numbers) sort before the rest, as dates do.
pub(super) fn day_key(station: u32, date: Date) -> u64 {
    u64::from(station) << 32 | u64::from((date.day_number() as u32) ^ 0x8000_0000)
}

#[derive(Default)]
pub(super) struct DayKeyHasher(u64);

impl std::hash::Hasher for DayKeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, key: u64) {
        // Fibonacci hashing; the fold brings the well-mixed high bits down to the bucket bits.
        let h = (self.0 ^ key).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = h ^ (h >> 32);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// What one worker produced from its slice of the file.
pub(super) struct Partial {
    pub(super) stations: Vec<Station>,
    station_ids: HashMap<Vec<u8>, u32>,
    pub(super) days: Days,
    pub(super) rows: u64,
    /// (line within the chunk, column, message)
    pub(super) problems: Vec<(u64, Option<String>, String)>,
}

/// Where a worker keeps the station-days it fills: every one until the end (the grid path), or
/// only each station's open day, its daily values computed as it closes (`super::stream`).
pub(super) enum Days {
    Grid {
        index: DayIndex,
        days: Vec<StationDay>,
    },
    Stream(Box<super::stream::OpenDays>),
}

impl Days {
    fn grid(expected_bytes: u64) -> Days {
        // About 40 bytes a row and 24 rows a station-day: reserve once instead of regrowing.
        let days = Vec::with_capacity((expected_bytes / 40 / 24) as usize + 16);
        Days::Grid {
            index: DayIndex::default(),
            days,
        }
    }

    fn day_mut(&mut self, day: usize) -> Option<&mut StationDay> {
        match self {
            Days::Grid { days, .. } => days.get_mut(day),
            Days::Stream(open) => open.day_mut(day),
        }
    }

    fn into_grid(self) -> Vec<StationDay> {
        match self {
            Days::Grid { days, .. } => days,
            Days::Stream(_) => Vec::new(),
        }
    }
}

pub(super) struct ChunkParser<'c> {
    cols: &'c Columns,
    options: ReadOptions<'c>,
    pub(super) out: Partial,
    last_station: Option<(Vec<u8>, u32)>,
    last_date: DateCache,
    last_day: Option<((u32, Date), usize)>,
}

impl<'c> ChunkParser<'c> {
    fn problem(&mut self, line: u64, column: Option<usize>, message: String) {
        let column = column.map(|c| self.cols.names[c].clone());
        self.out.problems.push((line, column, message));
    }

    fn station_id(&mut self, name: &[u8], city: Option<&[u8]>, line: u64) -> u32 {
        let id = self.intern_station(name);
        if let Some(city) = city.filter(|c| !c.is_empty()) {
            self.check_city(id, city, line);
        }
        id
    }

    /// Every row repeats its station's city; it must agree with the first one seen.
    fn check_city(&mut self, id: u32, city: &[u8], line: u64) {
        let known = &mut self.out.stations[id as usize].city;
        match known {
            Some(k) if k.as_bytes() == city => {}
            None => *known = Some(String::from_utf8_lossy(city).into_owned()),
            Some(k) => {
                let message = format!(
                    "站点所属城市前后不一致：{k} / {}",
                    String::from_utf8_lossy(city)
                );
                self.problem(line, self.cols.city, message);
            }
        }
    }

    fn intern_station(&mut self, name: &[u8]) -> u32 {
        if let Some((last, id)) = &self.last_station
            && last.as_slice() == name
        {
            return *id;
        }
        let id = match self.out.station_ids.get(name) {
            Some(id) => *id,
            None => {
                let id = self.out.stations.len() as u32;
                self.out.stations.push(Station {
                    name: String::from_utf8_lossy(name).into_owned(),
                    city: None,
                });
                self.out.station_ids.insert(name.to_vec(), id);
                id
            }
        };
        // The name's buffer is kept: a file ordered by time changes station on every row.
        match &mut self.last_station {
            Some((last, last_id)) => {
                last.clear();
                last.extend_from_slice(name);
                *last_id = id;
            }
            None => self.last_station = Some((name.to_vec(), id)),
        }
        id
    }

    /// The day's index in the worker's store; `None` when the streaming store cannot take the
    /// row (it then stops the worker and the file is read again the grid way).
    fn day_slot(&mut self, station: u32, date: Date) -> Option<usize> {
        // Compared as they are: the day number is computed only when the day changes.
        if let Some((last, index)) = self.last_day
            && last == (station, date)
        {
            return Some(index);
        }
        let index = match &mut self.out.days {
            Days::Grid { index, days } => {
                *index.entry(day_key(station, date)).or_insert_with(|| {
                    days.push(StationDay {
                        station,
                        date,
                        grid: Box::new(EMPTY_MICRO_GRID),
                        dust: false,
                    });
                    days.len() - 1
                })
            }
            Days::Stream(open) => open.day(station, date, &self.out.stations)?,
        };
        self.last_day = Some(((station, date), index));
        Some(index)
    }

    fn set(
        &mut self,
        day: usize,
        series: Series,
        hour: usize,
        value: i64,
        line: u64,
        column: usize,
    ) {
        let Some(day) = self.out.days.day_mut(day) else {
            return;
        };
        let cell = &mut day.grid[series.index()][hour];
        if *cell != MISSING {
            self.problem(
                line,
                Some(column),
                "同一站点同一小时的数据重复，保留先出现的值".into(),
            );
            return;
        }
        *cell = value;
    }

    /// One record; `cell(i)` is its i-th field (empty when the row is short).
    fn record<'a>(&mut self, cell: impl Fn(usize) -> &'a [u8], line: u64) {
        let cols = self.cols;
        let field = |i: usize| cell(i).trim_ascii();
        let station = field(cols.station);
        if station.is_empty() {
            return self.problem(line, Some(cols.station), "站点为空".into());
        }
        let (date, hour) = match parse_time(field(cols.time), &mut self.last_date) {
            Ok(t) => t,
            Err(message) => return self.problem(line, Some(cols.time), message),
        };
        let (date, hour) = slot(date, hour, self.options.hour_label);
        let city = cols.city.map(field);
        let station = self.station_id(station, city, line);
        let Some(day) = self.day_slot(station, date) else {
            return;
        };
        if cols.dust.map(field) == Some(b"1")
            && let Some(day) = self.out.days.day_mut(day)
        {
            day.dust = true;
        }
        match &cols.layout {
            Layout::Wide(columns) => {
                for series in Series::ALL {
                    if let Some(c) = columns[series.index()] {
                        self.value(day, series, hour, field(c), line, c);
                    }
                }
            }
            Layout::Long { pollutant, value } => {
                match series_of(&String::from_utf8_lossy(field(*pollutant))) {
                    Some(series) => self.value(day, series, hour, field(*value), line, *value),
                    None => {
                        let name = String::from_utf8_lossy(field(*pollutant)).into_owned();
                        self.problem(
                            line,
                            Some(*pollutant),
                            format!(
                                "未知的污染物“{name}”",
                                name = rectify_exact::text::quoted(&name)
                            ),
                        );
                    }
                }
            }
        }
    }

    fn value(
        &mut self,
        day: usize,
        series: Series,
        hour: usize,
        text: &[u8],
        line: u64,
        column: usize,
    ) {
        match parse_micro(text) {
            Ok(Some(v)) => self.set(day, series, hour, v, line, column),
            Ok(None) => {}
            Err(e) => self.problem(line, Some(column), e.to_string()),
        }
    }
}

impl<'c> ChunkParser<'c> {
    fn new(cols: &'c Columns, options: ReadOptions<'c>, days: Days) -> Self {
        ChunkParser {
            cols,
            options,
            out: Partial {
                stations: Vec::new(),
                station_ids: HashMap::new(),
                days,
                rows: 0,
                problems: Vec::new(),
            },
            last_station: None,
            last_date: None,
            last_day: None,
        }
    }

    fn stop(&self) -> bool {
        let unordered = match &self.out.days {
            Days::Grid { .. } => false,
            Days::Stream(open) => open.must_fall_back(),
        };
        unordered || self.options.strict && !self.out.problems.is_empty()
    }
}

/// A quote was seen: fields may span lines, so the file must be read whole by the csv crate.
pub(super) struct QuotedInput;

/// The common case: no quote anywhere, so a field ends at a comma and a record at a newline.
/// Lines are parsed where they lie in the reader's buffer; only a line that straddles two
/// buffer fills is copied. Returns the number of lines read.
fn parse_plain(mut reader: impl BufRead, parser: &mut ChunkParser<'_>) -> Result<u64, QuotedInput> {
    let mut lines = LineState::default();
    let mut carry: Vec<u8> = Vec::new();
    loop {
        let buf = match reader.fill_buf() {
            Ok(buf) => buf,
            Err(e) => {
                let message = format!("读取失败：{e}");
                parser.out.problems.push((lines.count + 1, None, message));
                break;
            }
        };
        if buf.is_empty() {
            if !carry.is_empty() {
                lines.handle(&carry, parser)?;
            }
            break;
        }
        let len = buf.len();
        let mut start = 0;
        for end in memchr::memchr_iter(b'\n', buf) {
            if carry.is_empty() {
                lines.handle(&buf[start..end], parser)?;
            } else {
                carry.extend_from_slice(&buf[start..end]);
                lines.handle(&carry, parser)?;
                carry.clear();
            }
            start = end + 1;
            if parser.stop() {
                return Ok(lines.count);
            }
        }
        carry.extend_from_slice(&buf[start..]);
        reader.consume(len);
        if let Some(progress) = parser.options.progress {
            progress(len as u64);
        }
    }
    Ok(lines.count)
}

/// Per-worker line handling: numbering and field splitting.
#[derive(Default)]
struct LineState {
    count: u64,
    bounds: Vec<(usize, usize)>,
}

impl LineState {
    fn handle(&mut self, line: &[u8], parser: &mut ChunkParser<'_>) -> Result<(), QuotedInput> {
        self.count += 1;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            return Ok(());
        }
        split_fields(line, &mut self.bounds)?;
        parser.out.rows += 1;
        let bounds = &self.bounds;
        let cell = |i: usize| bounds.get(i).map_or(&b""[..], |&(a, b)| &line[a..b]);
        parser.record(cell, self.count);
        Ok(())
    }
}

/// The field bounds of a line without quotes. Lines are short, so instead of a vectorised search
/// per line, eight bytes at a time are tested for a comma or a quote in a 64-bit word (SWAR).
fn split_fields(line: &[u8], bounds: &mut Vec<(usize, usize)>) -> Result<(), QuotedInput> {
    const COMMAS: u64 = u64::from_ne_bytes([b','; 8]);
    const QUOTES: u64 = u64::from_ne_bytes([b'"'; 8]);
    bounds.clear();
    let mut start = 0;
    let mut words = line.chunks_exact(8);
    let mut offset = 0;
    for word in words.by_ref() {
        let word = u64::from_le_bytes(word.try_into().unwrap_or([0; 8]));
        if zero_bytes(word ^ QUOTES) != 0 {
            return Err(QuotedInput);
        }
        let mut commas = zero_bytes(word ^ COMMAS);
        while commas != 0 {
            let at = offset + (commas.trailing_zeros() / 8) as usize;
            bounds.push((start, at));
            start = at + 1;
            commas &= commas - 1;
        }
        offset += 8;
    }
    for (i, &b) in words.remainder().iter().enumerate() {
        match b {
            b'"' => return Err(QuotedInput),
            b',' => {
                bounds.push((start, offset + i));
                start = offset + i + 1;
            }
            _ => {}
        }
    }
    bounds.push((start, line.len()));
    Ok(())
}

/// The high bit of each byte of `word` that is zero, and no other bit (exact, unlike the
/// shorter `(x - 0x01..) & !x & 0x80..` test, which can flag a byte after a zero one).
fn zero_bytes(word: u64) -> u64 {
    const LOW7: u64 = u64::from_ne_bytes([0x7f; 8]);
    !(((word & LOW7) + LOW7) | word | LOW7)
}

/// Files with quoted fields go through the csv crate, in one piece.
fn parse_quoted(reader: impl Read, parser: &mut ChunkParser<'_>) {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(reader);
    let mut record = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map_or(0, |p| p.line());
                parser.out.rows += 1;
                parser.record(|i| record.get(i).unwrap_or(b""), line);
                if parser.stop() {
                    break;
                }
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                let message = format!("CSV 格式错误：{e}");
                parser.out.problems.push((line, None, message));
                break;
            }
        }
    }
    if let Some(progress) = parser.options.progress {
        progress(reader.position().byte());
    }
}

/// Where the workers' bytes come from: a file (each worker opens its own handle and streams
/// its range, so the file is never held in memory) or a buffer.
pub(super) trait Source: Sync {
    fn len(&self) -> u64;
    fn range(&self, start: u64, end: u64) -> std::io::Result<Box<dyn BufRead + '_>>;
}

pub(super) struct FileSource<'p> {
    pub(super) path: &'p Path,
    pub(super) len: u64,
}

impl Source for FileSource<'_> {
    fn len(&self) -> u64 {
        self.len
    }

    fn range(&self, start: u64, end: u64) -> std::io::Result<Box<dyn BufRead + '_>> {
        let mut file = std::fs::File::open(self.path)?;
        file.seek(SeekFrom::Start(start))?;
        Ok(Box::new(BufReader::with_capacity(
            1 << 20,
            file.take(end - start),
        )))
    }
}

pub(super) struct MemorySource<'b>(pub(super) &'b [u8]);

impl Source for MemorySource<'_> {
    fn len(&self) -> u64 {
        self.0.len() as u64
    }

    fn range(&self, start: u64, end: u64) -> std::io::Result<Box<dyn BufRead + '_>> {
        Ok(Box::new(&self.0[start as usize..end as usize]))
    }
}

/// The header record and the offset where the body starts.
fn read_header(source: &dyn Source) -> Result<(csv::StringRecord, u64), String> {
    let mut first = Vec::new();
    source
        .range(0, source.len())
        .and_then(|mut r| r.read_until(b'\n', &mut first))
        .map_err(|e| format!("无法读取：{e}"))?;
    let header = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(first.as_slice())
        .records()
        .next()
        .transpose()
        .map_err(|e| format!("表头无法读取：{e}"))?
        .ok_or("文件为空")?;
    Ok((header, first.len() as u64))
}

/// About `n` byte ranges of the body, each ending at a line end.
fn split_ranges(source: &dyn Source, body: u64, n: usize) -> std::io::Result<Vec<(u64, u64)>> {
    let len = source.len();
    let mut cuts = vec![body];
    for i in 1..n as u64 {
        let target = body + (len - body) * i / n as u64;
        if target <= *cuts.last().unwrap_or(&body) {
            continue;
        }
        let mut skipped = Vec::new();
        source.range(target, len)?.read_until(b'\n', &mut skipped)?;
        let cut = target + skipped.len() as u64;
        if cut < len {
            cuts.push(cut);
        }
    }
    cuts.push(len);
    Ok(cuts.windows(2).map(|w| (w[0], w[1])).collect())
}

/// Reads a whole export, streaming it on one worker per core.
pub fn read_hourly_file(path: &Path, options: ReadOptions<'_>) -> Result<HourlyData, ReadError> {
    let len = std::fs::metadata(path)
        .map_err(|source| ReadError::Io {
            path: path.to_path_buf(),
            source,
        })?
        .len();
    read_source(path, &FileSource { path, len }, options)
}

/// Reads an export held in memory; `path` only names it in messages.
pub fn read_hourly_bytes(
    path: &Path,
    bytes: &[u8],
    options: ReadOptions<'_>,
) -> Result<HourlyData, ReadError> {
    read_source(path, &MemorySource(bytes), options)
}

/// A file's header read and its body cut into one byte range per worker.
pub(super) struct Prepared<'s> {
    pub(super) source: &'s dyn Source,
    cols: Columns,
    body: u64,
    ranges: Vec<(u64, u64)>,
}

pub(super) fn prepare<'s>(
    path: &Path,
    source: &'s dyn Source,
    options: ReadOptions<'_>,
) -> Result<Prepared<'s>, ReadError> {
    let format_error = |message: String| ReadError::Format {
        path: path.to_path_buf(),
        message,
    };
    let (header, body) = read_header(source).map_err(format_error)?;
    let cols = parse_header(&header).map_err(format_error)?;
    let threads = match options.threads {
        0 => std::thread::available_parallelism().map_or(1, usize::from),
        n => n,
    };
    let ranges = split_ranges(source, body, threads).map_err(|e| io_error(path, e))?;
    Ok(Prepared {
        source,
        cols,
        body,
        ranges,
    })
}

fn io_error(path: &Path, source: std::io::Error) -> ReadError {
    ReadError::Io {
        path: path.to_path_buf(),
        source,
    }
}

impl Prepared<'_> {
    /// Each range parsed on its own worker into the store `days` makes for it; a worker that
    /// meets a quote gives `QuotedInput`. With the lines each worker read.
    pub(super) fn run_workers(
        &self,
        options: ReadOptions<'_>,
        days: impl Fn(u64) -> Days + Sync,
    ) -> Result<Vec<(Partial, u64)>, QuotedInput> {
        let outcomes: Vec<Result<(Partial, u64), QuotedInput>> = std::thread::scope(|scope| {
            let handles: Vec<_> = self
                .ranges
                .iter()
                .map(|&(start, end)| {
                    let days = &days;
                    scope.spawn(move || {
                        let mut parser = ChunkParser::new(&self.cols, options, days(end - start));
                        let lines = match self.source.range(start, end) {
                            Ok(reader) => parse_plain(reader, &mut parser)?,
                            Err(e) => {
                                parser
                                    .out
                                    .problems
                                    .push((1, None, format!("无法读取：{e}")));
                                0
                            }
                        };
                        Ok((parser.out, lines))
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or(Err(QuotedInput)))
                .collect()
        });
        outcomes.into_iter().collect()
    }
}

/// `--strict`: the first problem is an error.
pub(super) fn strict_check(
    path: &Path,
    options: ReadOptions<'_>,
    problems: &[RowProblem],
) -> Result<(), ReadError> {
    match problems.first() {
        Some(problem) if options.strict => Err(ReadError::Strict {
            path: path.to_path_buf(),
            problem: problem.clone(),
        }),
        _ => Ok(()),
    }
}

pub(super) fn read_source(
    path: &Path,
    source: &dyn Source,
    options: ReadOptions<'_>,
) -> Result<HourlyData, ReadError> {
    let prepared = prepare(path, source, options)?;
    let partials = match prepared.run_workers(options, Days::grid) {
        Ok(partials) => partials,
        Err(QuotedInput) => {
            let body = prepared.body;
            let mut parser =
                ChunkParser::new(&prepared.cols, options, Days::grid(source.len() - body));
            parse_quoted(
                source
                    .range(body, source.len())
                    .map_err(|e| io_error(path, e))?,
                &mut parser,
            );
            vec![(parser.out, 0)]
        }
    };
    let data = merge(partials);
    strict_check(path, options, &data.problems)?;
    Ok(data)
}

/// Joins the workers' results; `lines` is how many lines each worker read, to number the
/// problems of the next one.
pub(super) fn merge(partials: Vec<(Partial, u64)>) -> HourlyData {
    let mut data = HourlyData::default();
    let mut ids: HashMap<String, u32> = HashMap::new();
    let mut index = DayIndex::default();
    let total: usize = partials
        .iter()
        .map(|(p, _)| match &p.days {
            Days::Grid { days, .. } => days.len(),
            Days::Stream(_) => 0,
        })
        .sum();
    // Line 1 is the header.
    let mut lines_before = 1_u64;
    for (partial, lines) in partials {
        data.rows += partial.rows;
        add_problems(&mut data, partial.problems, lines_before);
        lines_before += lines;
        let local_to_global: Vec<u32> = partial
            .stations
            .into_iter()
            .map(|s| global_station(&mut data, &mut ids, s))
            .collect();
        let mut days = partial.days.into_grid();
        for day in &mut days {
            day.station = local_to_global[day.station as usize];
        }
        if data.days.is_empty() {
            // Grow the first worker's vector (a remap, not a copy of every grid).
            days.reserve(total - days.len());
            for (i, day) in days.iter().enumerate() {
                index.insert(day_key(day.station, day.date), i);
            }
            data.days = days;
            continue;
        }
        for day in days {
            let key = day_key(day.station, day.date);
            match index.get(&key) {
                None => {
                    index.insert(key, data.days.len());
                    data.days.push(day);
                }
                Some(&i) => merge_day(&mut data.days[i], &day, &mut data.problems),
            }
        }
    }
    // Exports are usually ordered by station and time already.
    if !data.days.is_sorted_by_key(|d| (d.station, d.date)) {
        data.days.sort_by_key(|d| (d.station, d.date));
    }
    data
}

/// A worker's row problems, numbered from its first line, added as the file's lines.
pub(super) fn add_problems(
    data: &mut HourlyData,
    problems: Vec<(u64, Option<String>, String)>,
    lines_before: u64,
) {
    data.problems.extend(
        problems
            .into_iter()
            .map(|(line, column, message)| RowProblem {
                line: Some(lines_before + line),
                column,
                message,
            }),
    );
}

pub(super) fn global_station(
    data: &mut HourlyData,
    ids: &mut HashMap<String, u32>,
    s: Station,
) -> u32 {
    match ids.get(&s.name) {
        Some(&id) => {
            let known = &mut data.stations[id as usize];
            if known.city.is_none() {
                known.city = s.city;
            }
            id
        }
        None => {
            let id = data.stations.len() as u32;
            ids.insert(s.name.clone(), id);
            data.stations.push(s);
            id
        }
    }
}

pub(super) fn merge_day(
    known: &mut StationDay,
    other: &StationDay,
    problems: &mut Vec<RowProblem>,
) {
    known.dust |= other.dust;
    for series in Series::ALL {
        for hour in 0..24 {
            let incoming = other.grid[series.index()][hour];
            let cell = &mut known.grid[series.index()][hour];
            if incoming == MISSING {
                continue;
            }
            if *cell != MISSING {
                problems.push(RowProblem {
                    line: None,
                    column: Some(series.code().into()),
                    message: format!(
                        "{} 第 {} 小时的数据重复，保留先出现的值",
                        known.date,
                        hour + 1
                    ),
                });
            } else {
                *cell = incoming;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, threads: usize) -> HourlyData {
        let options = ReadOptions {
            threads,
            ..ReadOptions::default()
        };
        read_hourly_bytes(Path::new("t.csv"), text.as_bytes(), options).unwrap()
    }

    fn parse_time_fresh(raw: &[u8]) -> Result<(Date, u8), String> {
        parse_time(raw, &mut None)
    }

    #[test]
    fn fields_split_on_every_comma_and_any_quote_is_noticed() {
        // Every line of up to 17 bytes over the alphabet {a, ','}, so commas land at every
        // position of a 64-bit word and of the tail; a quote anywhere must be seen.
        for len in 0..18_usize {
            for pattern in 0..(1_u32 << len) {
                let line: Vec<u8> = (0..len)
                    .map(|i| if pattern >> i & 1 == 1 { b',' } else { b'a' })
                    .collect();
                let mut bounds = Vec::new();
                assert!(split_fields(&line, &mut bounds).is_ok());
                let fields: Vec<&[u8]> = bounds.iter().map(|&(a, b)| &line[a..b]).collect();
                let expected: Vec<&[u8]> = line.split(|&b| b == b',').collect();
                assert_eq!(fields, expected, "{}", String::from_utf8_lossy(&line));
            }
            for at in 0..len {
                let mut line = vec![b','; len];
                line[at] = b'"';
                assert!(split_fields(&line, &mut Vec::new()).is_err(), "{len} {at}");
            }
        }
        assert_eq!(
            zero_bytes(u64::from_le_bytes(*b"\x00\x01a,\x00\x80\xff\x00")),
            0x8000_0080_0000_0080
        );
    }

    #[test]
    fn times_are_read_end_labelled_in_beijing_time() {
        let d = |s| Date::parse(s).unwrap();
        assert_eq!(
            parse_time_fresh(b"2025-01-01 01:00"),
            Ok((d("2025-01-01"), 1))
        );
        assert_eq!(
            parse_time_fresh(b"2025-01-01T13:00:00+08:00"),
            Ok((d("2025-01-01"), 13))
        );
        assert!(parse_time_fresh(b"2025-01-01T13:00:00Z").is_err());
        assert!(parse_time_fresh(b"2025-01-01 13:30").is_err());
        assert!(parse_time_fresh(b"2025-13-01 13:00").is_err());
        assert_eq!(
            slot(d("2025-01-02"), 0, HourLabel::End),
            (d("2025-01-01"), 23)
        );
        assert_eq!(
            slot(d("2025-01-02"), 0, HourLabel::Start),
            (d("2025-01-02"), 0)
        );
    }

    #[test]
    fn wide_and_long_files_give_the_same_grid_and_bad_cells_are_located() {
        let wide = "station,time,so2,pm25,city\nA,2025-01-01 01:00,5,40,河安市\nA,2025-01-01 02:00,x,41,河安市\n";
        let long = "station,time,pollutant,value\nA,2025-01-01 01:00,SO2,5\nA,2025-01-01 01:00,PM2.5,40\nA,2025-01-01 02:00,pm25,41\nA,2025-01-01 02:00,benzene,1\n";
        let w = read(wide, 1);
        let l = read(long, 1);
        assert_eq!(w.days[0].grid, l.days[0].grid);
        assert_eq!(w.stations[0].city.as_deref(), Some("河安市"));
        assert_eq!(w.problems.len(), 1);
        assert_eq!(w.problems[0].to_string(), "第 3 行，列 so2：“x”不是数值");
        assert_eq!(l.problems[0].line, Some(5));
        assert!(l.problems[0].message.contains("benzene"));
    }

    #[test]
    fn parallel_reading_equals_serial_reading_including_line_numbers() {
        let mut text = String::from("station,time,so2\n");
        for s in 0..7 {
            for h in 0..100 {
                let day = 1 + h / 24;
                let value = if s == 3 && h == 50 {
                    "oops".to_string()
                } else {
                    (s * 10 + h % 7).to_string()
                };
                text.push_str(&format!("S{s},2025-03-{day:02} {:02}:00,{value}\n", h % 24));
            }
        }
        let one = read(&text, 1);
        let four = read(&text, 4);
        assert_eq!(one.days, four.days);
        assert_eq!(one.stations, four.stations);
        assert_eq!(one.problems, four.problems);
        assert_eq!(one.problems[0].line, Some(1 + 3 * 100 + 51));
        assert_eq!(one.rows, 700);
    }

    #[test]
    fn quoted_files_fall_back_to_the_csv_reader_and_files_stream_like_memory() {
        let plain = "station,time,so2\nA east,2025-01-01 01:00,5\nB,2025-01-01 01:00,6\n";
        let quoted = "station,time,so2\n\"A east\",2025-01-01 01:00,5\nB,2025-01-01 01:00,\"6\"\n";
        let (p, q) = (read(plain, 2), read(quoted, 2));
        assert_eq!(p.days, q.days);
        assert_eq!(q.stations[0].name, "A east");
        let dir = tempfile::tempdir().unwrap();
        let mut text = String::from("station,time,pm25\n");
        for h in 0..500 {
            text.push_str(&format!(
                "S{},2025-05-{:02} {:02}:00,{}\n",
                h % 3,
                1 + h / 24 % 28,
                h % 24,
                if h == 333 { "?" } else { "7" }
            ));
        }
        let path = dir.path().join("h.csv");
        std::fs::write(&path, &text).unwrap();
        let options = ReadOptions {
            threads: 3,
            ..ReadOptions::default()
        };
        let from_file = read_hourly_file(&path, options).unwrap();
        let from_memory = read(&text, 1);
        assert_eq!(from_file.days, from_memory.days);
        assert_eq!(from_file.problems, from_memory.problems);
        assert_eq!(from_file.problems[0].line, Some(335));
    }

    #[test]
    fn duplicates_and_missing_columns_are_reported() {
        let dup = read(
            "station,time,so2\nA,2025-01-01 01:00,5\nA,2025-01-01 01:00,6\n",
            1,
        );
        assert!(dup.problems[0].message.contains("重复"));
        assert_eq!(dup.days[0].grid[0][0], 5 * rectify_air::exact::MICRO);
        let err = read_hourly_bytes(
            Path::new("x.csv"),
            b"site,time,so2\n",
            ReadOptions::default(),
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "x.csv：缺少 station 列");
        let strict = ReadOptions {
            strict: true,
            ..ReadOptions::default()
        };
        let err = read_hourly_bytes(Path::new("x.csv"), b"station,time,so2\nA,bad,1\n", strict)
            .unwrap_err();
        assert!(err.to_string().contains("第 2 行，列 time"), "{err}");
    }
}
