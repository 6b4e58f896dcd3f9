//! Reading water samples (wide or long CSV) and the sections table.
//!
//! - wide: `section,water_body,time,ph,do,codmn,…` (GB 3838 codes; Table 2/3 items by code or
//!   Chinese name; optional `withdrawal` in 10⁴ m³ for drinking sources);
//! - long: `section,water_body,time,indicator,value`.
//!
//! `0.02L` or `<0.02` is below the detection limit 0.02; blank or `-` is missing. Water data
//! feed decisions directly, so unlike hourly air exports any defect is an error: the whole file
//! is checked and every problem is reported by line and column, and nothing is used.

use super::readings::Readings;
use crate::{ReadError, RowProblem};
use rectify_exact::date::Date;
use rectify_exact::exact::{Exact, parse_decimal, plain_digits};
use rectify_water::indicator::{Class, Indicator, SourceItem, WaterBody};
use rectify_water::period::Reading;
use std::collections::HashMap;
use std::io::{BufRead, Read};
use std::path::Path;

/// One measured item of a sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item {
    Basic(Indicator),
    /// Table 2 or 3.
    Specific(SourceItem),
}

impl Item {
    pub fn parse(text: &str) -> Option<Item> {
        Indicator::parse(text)
            .map(Item::Basic)
            .or_else(|| SourceItem::parse(text).map(Item::Specific))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    pub line: u64,
    pub section: String,
    pub water_body: Option<WaterBody>,
    /// As written in the file.
    pub time: String,
    pub date: Date,
    pub readings: Readings,
    pub withdrawal: Option<Exact>,
}

impl Sample {
    /// A sample with nothing read yet, whose buffers a reader fills row after row.
    fn empty() -> Sample {
        Sample {
            line: 0,
            section: String::new(),
            water_body: None,
            time: String::new(),
            date: Date {
                year: 1970,
                month: 1,
                day: 1,
            },
            readings: Readings::default(),
            withdrawal: None,
        }
    }

    /// The sample, to keep: what a reader handed over by reference (`scan_sample_blocks`) is
    /// otherwise overwritten by the next row.
    pub fn take(&mut self) -> Sample {
        std::mem::replace(self, Sample::empty())
    }
}

/// Attributes of a monitoring section (断面/点位).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub code: String,
    pub name: String,
    pub water_body: WaterBody,
    pub target: Option<Class>,
    /// 国控 / 省控 / 市控
    pub level: String,
    pub county: String,
    pub river: String,
    /// 流域/水系 the river belongs to (optional).
    pub basin: String,
    pub drinking_source: bool,
}

fn problem(line: u64, column: &str, message: impl Into<String>) -> RowProblem {
    RowProblem {
        line: Some(line),
        column: Some(column.to_string()),
        message: message.into(),
    }
}

/// `0.02L`, `<0.02`, a number, or missing.
pub fn parse_reading(text: &str) -> Result<Option<Reading>, String> {
    let t = text.trim();
    let below = t.strip_suffix(['L', 'l']).or_else(|| t.strip_prefix('<'));
    let (number, below_dl) = match below {
        Some(n) => (n, true),
        None => (t, false),
    };
    match parse_decimal(number) {
        Ok(Some(v)) if below_dl => Ok(Some(Reading::BelowDetection(v))),
        Ok(Some(v)) => Ok(Some(Reading::Value(v))),
        Ok(None) => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

/// A cell [`parse_reading`] reads as a plain decimal (digits with at most one point, at most 18
/// digits, optionally with a trailing `L`/`l` or a leading `<`): (unscaled, decimals, below the
/// detection limit), read as `parse_reading` would without its trimming, searching and checks.
/// Any other cell is `None`, for `parse_reading` to read or to reject.
fn plain_reading(cell: &[u8]) -> Option<(i64, u8, bool)> {
    let (number, below) = match cell {
        [rest @ .., b'L' | b'l'] => (rest, true),
        [b'<', rest @ ..] => (rest, true),
        _ => (cell, false),
    };
    let (unscaled, decimals) = plain_digits(number)?;
    // At most 18 digits: both fit.
    Some((
        i64::try_from(unscaled).ok()?,
        u8::try_from(decimals).ok()?,
        below,
    ))
}

/// `YYYY-MM` (the month's first day), `YYYY-MM-DD`, or a date with a time after it.
fn parse_date(text: &str) -> Option<Date> {
    let t = text.trim();
    match t.len() {
        7 => {
            // `t-01` on the stack: a month is every row's time.
            let mut day = *b"YYYY-MM-01";
            day[..7].copy_from_slice(t.as_bytes());
            Date::parse(std::str::from_utf8(&day).ok()?)
        }
        n if n >= 10 => Date::parse(t.get(..10)?),
        _ => None,
    }
}

fn format_error(path: &Path, message: String) -> ReadError {
    ReadError::Format {
        path: path.to_path_buf(),
        message,
    }
}

fn open<R: std::io::Read>(
    path: &Path,
    input: R,
) -> Result<(csv::Reader<R>, Vec<String>), ReadError> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let names = reader
        .headers()
        .map_err(|e| format_error(path, e.to_string()))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_string())
        .collect();
    Ok((reader, names))
}

/// Rejects a file with problems, naming up to 20 of them.
fn reject(path: &Path, problems: Vec<RowProblem>) -> Result<(), ReadError> {
    if problems.is_empty() {
        return Ok(());
    }
    let shown: Vec<String> = problems.iter().take(20).map(|p| p.to_string()).collect();
    let more = problems.len().saturating_sub(20);
    let tail = if more > 0 {
        format!("；另有 {more} 处")
    } else {
        String::new()
    };
    Err(format_error(
        path,
        format!(
            "{} 处错误，未使用此文件：{}{tail}",
            problems.len(),
            shown.join("；")
        ),
    ))
}

enum Layout {
    Wide(Vec<(usize, Item)>),
    Long { indicator: usize, value: usize },
}

fn file(path: &Path) -> Result<std::fs::File, ReadError> {
    std::fs::File::open(path).map_err(|source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Reads every sample of a file; any defect rejects the file.
pub fn read_samples(path: &Path) -> Result<Vec<Sample>, ReadError> {
    read_samples_from(path, file(path)?)
}

/// [`read_samples`] from any reader; `path` names it in messages.
pub fn read_samples_from(path: &Path, input: impl std::io::Read) -> Result<Vec<Sample>, ReadError> {
    let mut samples = Vec::new();
    let long = scan_samples(path, input, &|sample, long| (sample, long), &mut |(
        sample,
        _,
    )| {
        samples.push(sample)
    })?;
    Ok(if long {
        merge_long_rows(samples)
    } else {
        samples
    })
}

/// Reads a file's rows on one worker per core: each row's sample goes through `map` on a
/// worker, with whether the file is long (one row per indicator, so rows still need
/// [`merge_long_rows`]), and the results reach `sink` in file order as they are read. Any
/// defect is returned at the end, after the whole file was checked; a sink that writes must
/// therefore write somewhere disposable. Returns whether the file is long.
///
/// The file streams through in blocks of whole lines. A block without a quote holds whole
/// records, so workers parse blocks side by side, each with its own csv reader placed at the
/// block's position (line numbers and the csv crate's own messages are those of one reader over
/// the whole file). From the first block with a quote on, a field may span lines, so the rest
/// is read by one reader in order.
pub fn scan_samples<T: Send>(
    path: &Path,
    input: impl std::io::Read,
    map: &(dyn Fn(Sample, bool) -> T + Sync),
    sink: &mut dyn FnMut(T),
) -> Result<bool, ReadError> {
    scan_in_blocks(
        path,
        input,
        &|out: &mut Vec<T>, sample: &mut Sample, long| out.push(map(sample.take(), long)),
        &mut |out: Vec<T>| out.into_iter().for_each(&mut *sink),
        BLOCK,
    )
}

/// [`scan_samples`] a block at a time: a worker folds each sample of its block into a `B` with
/// `add` (with whether the file is long), and the blocks reach `sink` in file order. For work
/// whose result per block is cheaper to hand on than one per sample (rows already written).
/// `add` is lent each sample: one sample's buffers serve a worker's rows one after the other,
/// so reading a row allocates nothing; `Sample::take` keeps one.
pub fn scan_sample_blocks<B: Default + Send>(
    path: &Path,
    input: impl std::io::Read,
    add: &(dyn Fn(&mut B, &mut Sample, bool) + Sync),
    sink: &mut dyn FnMut(B),
) -> Result<bool, ReadError> {
    scan_in_blocks(path, input, add, sink, BLOCK)
}

/// [`scan_sample_blocks`] with blocks of about `block_size` bytes.
fn scan_in_blocks<B: Default + Send>(
    path: &Path,
    input: impl std::io::Read,
    map: &(dyn Fn(&mut B, &mut Sample, bool) + Sync),
    sink: &mut dyn FnMut(B),
    block_size: usize,
) -> Result<bool, ReadError> {
    let mut input = std::io::BufReader::with_capacity(BLOCK, input);
    let mut header = Vec::new();
    input
        .read_until(b'\n', &mut header)
        .map_err(|e| format_error(path, e.to_string()))?;
    if !plain_header(&header) {
        // Quotes, a blank first line or a lone CR in the header: one reader from the start.
        let (reader, names) = open(path, NoSeek(std::io::Cursor::new(header).chain(input)))?;
        let columns = SampleColumns::find(path, &names)?;
        let mut problems = Vec::new();
        let position = reader.position().clone();
        read_in_order(path, &columns, reader, position, &mut problems, map, sink)?;
        reject(path, problems)?;
        return Ok(columns.long());
    }
    let (_, names) = open(path, header.as_slice())?;
    let columns = SampleColumns::find(path, &names)?;
    let mut position = csv::Position::new();
    position
        .set_byte(header.len() as u64)
        .set_line(1 + u64::from(header.ends_with(b"\n")))
        .set_record(1);
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let mut problems = Vec::new();
    let (work_tx, work_rx) = std::sync::mpsc::sync_channel::<Block>(threads * 2);
    // Only the workers hold the receiving end: should they all stop, sending fails instead of
    // waiting forever.
    let work_rx = std::sync::Arc::new(std::sync::Mutex::new(work_rx));
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let quoted_rest = std::thread::scope(|scope| {
        for _ in 0..threads {
            let (work_rx, done_tx, columns) = (work_rx.clone(), done_tx.clone(), &columns);
            scope.spawn(move || {
                loop {
                    let next = work_rx.lock().map(|rx| rx.recv());
                    let Ok(Ok((seq, at, block))) = next else {
                        break;
                    };
                    let parsed = parse_block(columns, (at, &block), map);
                    if done_tx.send((seq, parsed)).is_err() {
                        break;
                    }
                }
            });
        }
        drop((work_rx, done_tx));
        let mut order = InOrder::default();
        let mut outcome = Ok(None);
        for seq in 0.. {
            let block = match next_block(&mut input, block_size) {
                Ok(block) => block,
                Err(e) => {
                    outcome = Err(format!("第 {} 行：{e}", position.record() + 1));
                    break;
                }
            };
            if block.is_empty() {
                break;
            }
            if memchr::memchr(b'"', &block).is_some() {
                outcome = Ok(Some((block, position.clone())));
                break;
            }
            let at = position.clone();
            let newlines = memchr::memchr_iter(b'\n', &block).count() as u64;
            let records = count_records(&block);
            position
                .set_byte(at.byte() + block.len() as u64)
                .set_line(at.line() + newlines)
                .set_record(at.record() + records);
            if work_tx.send((seq, at, block)).is_err() {
                break;
            }
            while let Ok(done) = done_rx.try_recv() {
                order.take(done, &mut problems, sink);
            }
        }
        drop(work_tx);
        for done in done_rx {
            order.take(done, &mut problems, sink);
        }
        match order.failed.take() {
            Some(message) => Err(message),
            None => outcome,
        }
    })
    .map_err(|message| format_error(path, message))?;
    if let Some((block, at)) = quoted_rest {
        let mut reader = csv_reader(NoSeek(std::io::Cursor::new(block).chain(input)));
        reader
            .seek_raw(std::io::SeekFrom::Start(0), at.clone())
            .map_err(|e| format_error(path, e.to_string()))?;
        read_in_order(path, &columns, reader, at, &mut problems, map, sink)?;
    }
    reject(path, problems)?;
    Ok(columns.long())
}

/// A block's number in the file, the csv position where it starts and its bytes.
type Block = (u64, csv::Position, Vec<u8>);

/// Bytes a block holds, about (it ends at the next line end).
const BLOCK: usize = 1 << 20;

/// A header line the block reader can take as the csv crate would: non-blank, no quote, and no
/// carriage return but the one before its newline.
fn plain_header(line: &[u8]) -> bool {
    let body = line.strip_suffix(b"\n").unwrap_or(line);
    let body = body.strip_suffix(b"\r").unwrap_or(body);
    !body.is_empty() && !body.iter().any(|&b| b == b'"' || b == b'\r' || b == b'\n')
}

/// The next lines of about `size` bytes, ending at a line end (or the end of the input).
fn next_block(input: &mut impl BufRead, size: usize) -> std::io::Result<Vec<u8>> {
    let mut block = Vec::with_capacity(size + 4096);
    input.by_ref().take(size as u64).read_to_end(&mut block)?;
    if !block.is_empty() && !block.ends_with(b"\n") {
        input.read_until(b'\n', &mut block)?;
    }
    Ok(block)
}

/// Records in unquoted text as the csv crate counts them: CR, LF and CRLF all end a record and
/// blank lines are skipped, so every run of bytes other than CR and LF is one record.
fn count_records(block: &[u8]) -> u64 {
    let mut records = 0;
    let mut start = 0;
    for end in memchr::memchr2_iter(b'\n', b'\r', block).chain([block.len()]) {
        records += u64::from(end > start);
        start = end + 1;
    }
    records
}

fn csv_reader<R: std::io::Read>(input: R) -> csv::Reader<R> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(input);
    // Headers already known, so placing the reader does not read a record first.
    reader.set_byte_headers(csv::ByteRecord::new());
    reader
}

/// A reader that is never really moved: `seek_raw` then only sets the reader's position.
struct NoSeek<R>(R);

impl<R: std::io::Read> std::io::Read for NoSeek<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}

impl<R> std::io::Seek for NoSeek<R> {
    fn seek(&mut self, _: std::io::SeekFrom) -> std::io::Result<u64> {
        Ok(0)
    }
}

/// What a worker made of a block: its samples folded, and the problems in line order, or the
/// csv crate's message that stops the whole read.
type Parsed<B> = Result<(B, Vec<RowProblem>), String>;

fn parse_block<B: Default>(
    columns: &SampleColumns<'_>,
    (at, block): (csv::Position, &[u8]),
    map: &(dyn Fn(&mut B, &mut Sample, bool) + Sync),
) -> Parsed<B> {
    let mut reader = csv_reader(std::io::Cursor::new(block));
    let mut problems = Vec::new();
    let mut out = B::default();
    reader
        .seek_raw(std::io::SeekFrom::Start(0), at.clone())
        .map_err(|e| e.to_string())?;
    let mut record = csv::StringRecord::new();
    let mut sample = Sample::empty();
    let long = columns.long();
    // The csv crate numbers the header as record 0; rows are numbered from line 2.
    for line in at.record() + 1.. {
        let more = reader
            .read_record(&mut record)
            .map_err(|e| format!("第 {line} 行：{e}"))?;
        if !more {
            break;
        }
        if columns.fill(&record, line, &mut problems, &mut sample) {
            map(&mut out, &mut sample, long);
        }
    }
    Ok((out, problems))
}

/// The rest of a file with quotes, read by one reader in order (folded a sample at a time).
fn read_in_order<B: Default, R: std::io::Read>(
    path: &Path,
    columns: &SampleColumns<'_>,
    mut reader: csv::Reader<R>,
    at: csv::Position,
    problems: &mut Vec<RowProblem>,
    map: &(dyn Fn(&mut B, &mut Sample, bool) + Sync),
    sink: &mut dyn FnMut(B),
) -> Result<(), ReadError> {
    let mut record = csv::StringRecord::new();
    let mut sample = Sample::empty();
    let long = columns.long();
    for line in at.record() + 1.. {
        let more = reader
            .read_record(&mut record)
            .map_err(|e| format_error(path, format!("第 {line} 行：{e}")))?;
        if !more {
            break;
        }
        if columns.fill(&record, line, problems, &mut sample) {
            let mut out = B::default();
            map(&mut out, &mut sample, long);
            sink(out);
        }
    }
    Ok(())
}

/// Hands the workers' blocks to the sink in file order.
struct InOrder<B> {
    next: u64,
    waiting: std::collections::BTreeMap<u64, Parsed<B>>,
    /// The first block's failure in file order; later blocks are then dropped.
    failed: Option<String>,
}

impl<B> Default for InOrder<B> {
    fn default() -> Self {
        InOrder {
            next: 0,
            waiting: std::collections::BTreeMap::new(),
            failed: None,
        }
    }
}

impl<B> InOrder<B> {
    fn take(
        &mut self,
        (seq, parsed): (u64, Parsed<B>),
        problems: &mut Vec<RowProblem>,
        sink: &mut dyn FnMut(B),
    ) {
        self.waiting.insert(seq, parsed);
        while let Some(parsed) = self.waiting.remove(&self.next) {
            self.next += 1;
            if self.failed.is_some() {
                continue;
            }
            match parsed {
                Ok((out, found)) => {
                    sink(out);
                    problems.extend(found);
                }
                Err(message) => self.failed = Some(message),
            }
        }
    }
}

/// Where a samples file keeps what.
struct SampleColumns<'n> {
    names: &'n [String],
    section: usize,
    time: usize,
    body: Option<usize>,
    withdrawal: Option<usize>,
    layout: Layout,
}

/// Columns that are not indicators.
const FIXED_COLUMNS: [&str; 7] = [
    "section",
    "time",
    "water_body",
    "withdrawal",
    "name",
    "county",
    "level",
];

impl<'n> SampleColumns<'n> {
    fn long(&self) -> bool {
        matches!(self.layout, Layout::Long { .. })
    }

    fn find(path: &Path, names: &'n [String]) -> Result<Self, ReadError> {
        let find = |n: &str| names.iter().position(|h| h.eq_ignore_ascii_case(n));
        let section =
            find("section").ok_or_else(|| format_error(path, "缺少 section 列".into()))?;
        let time = find("time").ok_or_else(|| format_error(path, "缺少 time 列".into()))?;
        let layout = match (find("indicator"), find("value")) {
            (Some(indicator), Some(value)) => Layout::Long { indicator, value },
            _ => Layout::Wide(Self::indicator_columns(path, names)?),
        };
        Ok(SampleColumns {
            names,
            section,
            time,
            body: find("water_body"),
            withdrawal: find("withdrawal"),
            layout,
        })
    }

    /// Every other column of a wide file must name an indicator.
    fn indicator_columns(path: &Path, names: &[String]) -> Result<Vec<(usize, Item)>, ReadError> {
        let mut columns = Vec::new();
        let mut unknown = Vec::new();
        for (i, name) in names.iter().enumerate() {
            if FIXED_COLUMNS.iter().any(|f| f.eq_ignore_ascii_case(name)) {
                continue;
            }
            match Item::parse(name) {
                Some(item) => columns.push((i, item)),
                None => unknown.push(problem(
                    1,
                    name,
                    format!(
                        "未知的指标代码“{name}”（第 {} 列）",
                        i + 1,
                        name = rectify_exact::text::quoted(name)
                    ),
                )),
            }
        }
        reject(path, unknown)?;
        Ok(columns)
    }

    /// Reads one row into `into` (its buffers reused); false, with its problems recorded,
    /// when the row is not a sample.
    fn fill(
        &self,
        record: &csv::StringRecord,
        line: u64,
        problems: &mut Vec<RowProblem>,
        into: &mut Sample,
    ) -> bool {
        let cell = |i: usize| trimmed(record.get(i).unwrap_or(""));
        let before = problems.len();
        let Some(date) = parse_date(cell(self.time)) else {
            let message = format!("时间“{}”应为 YYYY-MM 或 YYYY-MM-DD", cell(self.time));
            problems.push(problem(line, &self.names[self.time], message));
            return false;
        };
        let water_body = match self.body.map(cell).filter(|b| !b.is_empty()) {
            None => None,
            Some(text) => {
                let parsed = WaterBody::parse(text);
                if parsed.is_none() {
                    problems.push(problem(
                        line,
                        "water_body",
                        format!(
                            "水体类型“{text}”应为 river 或 lake",
                            text = rectify_exact::text::quoted(text)
                        ),
                    ));
                }
                parsed
            }
        };
        self.readings(record, &cell, line, problems, &mut into.readings);
        let withdrawal = match self.withdrawal.map(cell).map(parse_decimal) {
            None | Some(Ok(None)) => None,
            Some(Ok(Some(w))) => Some(w),
            Some(Err(e)) => {
                problems.push(problem(line, "withdrawal", e.to_string()));
                None
            }
        };
        if problems.len() != before {
            return false;
        }
        into.line = line;
        into.section.clear();
        into.section.push_str(cell(self.section));
        into.water_body = water_body;
        into.time.clear();
        into.time.push_str(cell(self.time));
        into.date = date;
        into.withdrawal = withdrawal;
        true
    }

    fn readings<'r>(
        &self,
        record: &'r csv::StringRecord,
        cell: &impl Fn(usize) -> &'r str,
        line: u64,
        problems: &mut Vec<RowProblem>,
        readings: &mut Readings,
    ) {
        let raw = |i: usize| record.get(i).unwrap_or("");
        readings.clear();
        // Sized to the filled cells when new: a long period's samples are all held at once.
        readings.reserve(match &self.layout {
            Layout::Wide(columns) => columns.iter().filter(|(i, _)| !raw(*i).is_empty()).count(),
            Layout::Long { .. } => 1,
        });
        let mut read = |item: Item, column: usize, text: &str| {
            if text.is_empty() {
                return;
            }
            if let Some((unscaled, scale, below)) = plain_reading(text.as_bytes()) {
                return readings.push_decimal(item, unscaled, scale, below);
            }
            match parse_reading(text) {
                Ok(Some(r)) => readings.push(item, r),
                Ok(None) => {}
                Err(e) => problems.push(problem(line, &self.names[column], e)),
            }
        };
        match &self.layout {
            Layout::Wide(columns) => {
                for &(i, item) in columns {
                    read(item, i, raw(i));
                }
            }
            Layout::Long { indicator, value } => match Item::parse(cell(*indicator)) {
                Some(item) => read(item, *value, cell(*value)),
                None => {
                    let message = format!("未知的指标代码“{}”", cell(*indicator));
                    problems.push(problem(line, &self.names[*indicator], message));
                }
            },
        }
    }
}

/// `text.trim()`, skipping the Unicode-aware scan when both ends are visible ASCII (the
/// usual cell).
fn trimmed(text: &str) -> &str {
    let visible = |b: Option<&u8>| b.is_some_and(u8::is_ascii_graphic);
    let bytes = text.as_bytes();
    if visible(bytes.first()) && visible(bytes.last()) {
        text
    } else {
        text.trim()
    }
}

/// Long files give one row per indicator: rows of one section and time form one sample.
pub fn merge_long_rows(rows: Vec<Sample>) -> Vec<Sample> {
    let mut index: HashMap<(String, String), usize> = HashMap::new();
    let mut samples: Vec<Sample> = Vec::with_capacity(rows.len());
    for row in rows {
        let key = (row.section.clone(), row.time.clone());
        match index.get(&key) {
            Some(&i) => {
                let sample = &mut samples[i];
                sample.readings.extend(row.readings);
                sample.water_body = sample.water_body.or(row.water_body);
                sample.withdrawal = sample.withdrawal.or(row.withdrawal);
            }
            None => {
                index.insert(key, samples.len());
                samples.push(row);
            }
        }
    }
    samples
}

/// `section,name,water_body,target_class,level,county,river,basin,drinking_source`; only `section`
/// and `water_body` are required.
pub fn read_sections(path: &Path) -> Result<Vec<Section>, ReadError> {
    read_sections_from(path, file(path)?)
}

/// [`read_sections`] from any reader; `path` names it in messages.
pub fn read_sections_from(
    path: &Path,
    input: impl std::io::Read,
) -> Result<Vec<Section>, ReadError> {
    let (mut reader, names) = open(path, input)?;
    let find = |n: &str| names.iter().position(|h| h.eq_ignore_ascii_case(n));
    let code = find("section").ok_or_else(|| format_error(path, "缺少 section 列".into()))?;
    let body = find("water_body").ok_or_else(|| format_error(path, "缺少 water_body 列".into()))?;
    let basin = find("basin");
    let (name, target, level, county, river, drinking) = (
        find("name"),
        find("target_class"),
        find("level"),
        find("county"),
        find("river"),
        find("drinking_source"),
    );
    let mut sections = Vec::new();
    let mut problems = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let line = n as u64 + 2;
        let record = record.map_err(|e| format_error(path, format!("第 {line} 行：{e}")))?;
        let cell = |i: Option<usize>| {
            i.and_then(|i| record.get(i))
                .unwrap_or("")
                .trim()
                .to_string()
        };
        let section = cell(Some(code));
        let Some(water_body) = WaterBody::parse(&cell(Some(body))) else {
            let text = cell(Some(body));
            problems.push(problem(
                line,
                "water_body",
                format!(
                    "断面 {section} 的水体类型“{text}”应为 river 或 lake",
                    text = rectify_exact::text::quoted(&text)
                ),
            ));
            continue;
        };
        let target_text = cell(target);
        let target = match target_text.as_str() {
            "" => None,
            t => match Class::parse(t) {
                Some(c) => Some(c),
                None => {
                    problems.push(problem(
                        line,
                        "target_class",
                        format!("目标类别“{t}”无效", t = rectify_exact::text::quoted(t)),
                    ));
                    continue;
                }
            },
        };
        sections.push(Section {
            name: Some(cell(name))
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| section.clone()),
            code: section,
            water_body,
            target,
            level: cell(level),
            county: cell(county),
            river: cell(river),
            basin: cell(basin),
            drinking_source: matches!(cell(drinking).as_str(), "1" | "是" | "true"),
        });
    }
    reject(path, problems)?;
    Ok(sections)
}

#[cfg(test)]
mod tests {
    use super::*;

    type Outcome = Result<(Vec<Sample>, bool), String>;

    fn in_blocks(text: &[u8], block_size: usize) -> Outcome {
        let mut samples = Vec::new();
        let long = scan_in_blocks(
            Path::new("w.csv"),
            text,
            &|out: &mut Vec<Sample>, s: &mut Sample, _| out.push(s.take()),
            &mut |out: Vec<Sample>| samples.extend(out),
            block_size,
        )
        .map_err(|e| e.to_string())?;
        Ok((samples, long))
    }

    /// The formulation before blocks: one csv reader over the whole file, in order.
    fn one_reader(text: &[u8]) -> Outcome {
        let path = Path::new("w.csv");
        let (reader, names) = open(path, NoSeek(text)).map_err(|e| e.to_string())?;
        let columns = SampleColumns::find(path, &names).map_err(|e| e.to_string())?;
        let (mut samples, mut problems) = (Vec::new(), Vec::new());
        let at = reader.position().clone();
        read_in_order(
            path,
            &columns,
            reader,
            at,
            &mut problems,
            &|out: &mut Vec<Sample>, s: &mut Sample, _| out.push(s.take()),
            &mut |out: Vec<Sample>| samples.extend(out),
        )
        .map_err(|e| e.to_string())?;
        reject(path, problems).map_err(|e| e.to_string())?;
        Ok((samples, columns.long()))
    }

    #[test]
    fn blocks_read_as_one_reader_whatever_their_size() {
        let header = "section,water_body,time,nh3n,tp,hg\n";
        let rows = [
            "A,river,2024-01,0.5,0.1,0.00004L\n",
            "\n",
            "B,lake,2024-01,1.6,0.2,\n",
            "A,river,2024-02,\u{3000}0.7 ,<0.01,0.0001\r\n",
            "\r\n",
            "C,river,2024-02,0.9,0.3,0.0002\rD,river,2024-02,0.1,0.1,0.0001\n",
            "B,lake,2024-02,2.1,0.05,0.00003",
        ];
        let good: String = std::iter::once(header).chain(rows).collect();
        // Defects on later lines: a bad number, then a quote (one reader from there on, with a
        // field spanning lines), then bytes that are not UTF-8.
        let bad_number = good.replace("1.6", "1.6x");
        let quoted = format!("{bad_number}\n\"E\nF\",river,2024-03,1,1,1\nx,river,2024-03,y,1,1\n");
        let mut not_utf8 = quoted.clone().into_bytes();
        not_utf8.extend_from_slice(b"G,river,2024-04,\xff,1,1\n");
        let quoted_header = good.replacen("section", "\"section\"", 1);
        let blank_first = format!("\n{good}");
        for text in [&good, &bad_number, &quoted, &quoted_header, &blank_first] {
            let expected = one_reader(text.as_bytes());
            for size in [1, 7, 40, 64, 1 << 20] {
                assert_eq!(
                    in_blocks(text.as_bytes(), size),
                    expected,
                    "{size} {text:?}"
                );
            }
        }
        let expected = one_reader(&not_utf8);
        assert!(
            expected.as_ref().is_err_and(|e| e.contains("utf-8")),
            "{expected:?}"
        );
        for size in [1, 13, 64, 1 << 20] {
            assert_eq!(in_blocks(&not_utf8, size), expected, "{size}");
        }
        let (samples, _) = in_blocks(good.as_bytes(), 1).unwrap();
        assert_eq!(samples.len(), 6);
        assert_eq!(samples[3].section, "C");
        assert_eq!(samples[5].line, 7, "lines count records, as before");
        let message = in_blocks(bad_number.as_bytes(), 1).unwrap_err();
        assert!(message.contains("第 3 行"), "{message}");
    }

    #[test]
    fn plain_cells_read_as_parse_reading_reads_them_representation_included() {
        // Every cell of up to 5 characters over digits, point, the detection-limit marks, sign,
        // exponent and space, and lengths around the 18-digit limit.
        let alphabet = [b'0', b'7', b'9', b'.', b'L', b'<', b'-', b'e', b' ', b'l'];
        let base = alphabet.len();
        let mut cells: Vec<String> = Vec::new();
        for len in 0..=5_u32 {
            for n in 0..base.pow(len) {
                let cell = (0..len).map(|i| alphabet[n / base.pow(i) % base]);
                cells.push(String::from_utf8(cell.collect()).unwrap());
            }
        }
        for digits in 16..=20 {
            for point in [None, Some(0), Some(1), Some(digits / 2), Some(digits)] {
                let mut cell = "9".repeat(digits);
                if let Some(p) = point {
                    cell.insert(p, '.');
                }
                for marked in [cell.clone(), format!("{cell}L"), format!("<{cell}")] {
                    cells.push(marked.replace('9', "0"));
                    cells.push(marked);
                }
            }
        }
        let raw = |r: Reading| match r {
            Reading::Value(v) => (false, v.numer_raw(), v.denom_raw()),
            Reading::BelowDetection(v) => (true, v.numer_raw(), v.denom_raw()),
        };
        let item = Item::Basic(rectify_water::indicator::Indicator::Tp);
        let mut plain = 0;
        for cell in &cells {
            let Some((unscaled, scale, below)) = plain_reading(cell.as_bytes()) else {
                continue;
            };
            plain += 1;
            let mut fast = Readings::default();
            fast.push_decimal(item, unscaled, scale, below);
            let (_, fast) = fast.iter().next().unwrap();
            let slow = parse_reading(cell).unwrap().unwrap();
            assert_eq!(raw(fast), raw(slow), "{cell:?}");
        }
        assert!(plain > 1000, "{plain}");
    }

    #[test]
    fn records_are_counted_as_the_csv_crate_counts_them() {
        for text in ["", "a", "a\n", "\n\n", "a\r\nb", "a\rb\r\n\r\nc\n", " \n"] {
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(text.as_bytes());
            let records = reader.byte_records().count() as u64;
            assert_eq!(count_records(text.as_bytes()), records, "{text:?}");
        }
    }
}
