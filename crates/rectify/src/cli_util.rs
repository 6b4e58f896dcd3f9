//! What several commands share: printing text and JSON, writing files whole, parsing dates,
//! reading spreadsheets and reporting their findings, and the names of the output formats.

use crate::error::CliError;
use clap::builder::{PossibleValuesParser, TypedValueParser};
use rectify_exact::date::Date;
use rectify_io::plan::{Finding, Sheet, SheetFormat, read_sheets};
use rectify_store::Store;
use rectify_store::attachments::Upload;
use serde_json::{Value, json};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

/// Every format a command can write with `--format` (or `--log-format`). Each command accepts
/// its own subset through [`OutputFormat::among`], so its help lists and its parser admits only
/// what it writes; the names are defined here once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OutputFormat {
    Text,
    Table,
    Json,
    Csv,
    Xlsx,
    Docx,
    Html,
}

impl OutputFormat {
    const ALL: &[OutputFormat] = &[
        OutputFormat::Text,
        OutputFormat::Table,
        OutputFormat::Json,
        OutputFormat::Csv,
        OutputFormat::Xlsx,
        OutputFormat::Docx,
        OutputFormat::Html,
    ];

    /// The name on the command line.
    pub(crate) fn name(self) -> &'static str {
        match self {
            OutputFormat::Text => "text",
            OutputFormat::Table => "table",
            OutputFormat::Json => "json",
            OutputFormat::Csv => "csv",
            OutputFormat::Xlsx => "xlsx",
            OutputFormat::Docx => "docx",
            OutputFormat::Html => "html",
        }
    }

    /// A parser for a flag that takes one of `allowed` by name.
    pub(crate) fn among(
        allowed: &'static [OutputFormat],
    ) -> impl TypedValueParser<Value = OutputFormat> {
        PossibleValuesParser::new(allowed.iter().map(|f| f.name())).try_map(|name| {
            OutputFormat::ALL
                .iter()
                .copied()
                .find(|f| f.name() == name)
                .ok_or_else(|| format!("未知的输出格式“{name}”"))
        })
    }

    /// The refusal for a format a command does not write. Its parser already admits only the
    /// ones it does; this keeps a `match` on the format total without a silent fallback.
    pub(crate) fn refused(self, flag: &str) -> CliError {
        CliError::environment(format!("{flag} 不支持 {} 格式", self.name()))
    }
}

/// `--format text|json`, the choice of most listing commands.
pub(crate) const TEXT_JSON: &[OutputFormat] = &[OutputFormat::Text, OutputFormat::Json];

/// Commands that write JSON only (the flag is there so scripts can say so).
pub(crate) const JSON_ONLY: &[OutputFormat] = &[OutputFormat::Json];

/// Prints to stdout; a closed pipe (`| head`) is not an error.
pub(crate) fn print_stdout(text: &str) -> Result<ExitCode, CliError> {
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(CliError::failure(format!("输出失败：{e}")))
        }
        _ => Ok(ExitCode::SUCCESS),
    }
}

/// Pretty JSON on stdout (a closed pipe is not an error).
pub(crate) fn print_json(value: &impl serde::Serialize) -> Result<ExitCode, CliError> {
    print_stdout(&to_json(value, true)?)
}

/// The value as JSON text, pretty or on one line.
pub(crate) fn to_json(value: &impl serde::Serialize, pretty: bool) -> Result<String, CliError> {
    let text = if pretty {
        serde_json::to_string_pretty(value)
    } else {
        serde_json::to_string(value)
    };
    text.map_err(|e| CliError::failure(format!("JSON 生成失败：{e}")))
}

/// Writes through a temporary file beside `out` and renames it into place, so a failed run
/// leaves no half-written output.
pub(crate) fn write_atomically<T>(
    out: &Path,
    write: impl FnOnce(&mut dyn Write) -> Result<T, CliError>,
) -> Result<T, CliError> {
    let dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        out.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        std::process::id()
    ));
    let file = std::fs::File::create(&tmp)
        .map_err(|e| CliError::environment(format!("无法创建 {}：{e}", out.display())))?;
    let mut buffered = std::io::BufWriter::new(file);
    let result = write(&mut buffered).and_then(|v| {
        buffered
            .flush()
            .map_err(|e| CliError::failure(format!("写入 {} 失败：{e}", out.display())))?;
        Ok(v)
    });
    drop(buffered);
    match result {
        Ok(v) => {
            std::fs::rename(&tmp, out)
                .map_err(|e| CliError::failure(format!("无法写入 {}：{e}", out.display())))?;
            Ok(v)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

pub(crate) fn parse_date(text: &str) -> Result<Date, String> {
    Date::parse(text).ok_or_else(|| format!("“{text}”不是 YYYY-MM-DD 格式的日期"))
}

pub(crate) fn finding_json(f: &Finding) -> Value {
    json!({
        "sheet": f.sheet,
        "row": f.row,
        "column": f.column,
        "field": f.field,
        "message": f.message,
    })
}

/// A file a command parses whole (a spreadsheet, a plan, a calendar), refused by its size
/// before it is read: at most the spreadsheet limit (`RECTIFY_SHEET_MAX_FILE_BYTES`), which the
/// parser would refuse anyway, after holding it.
pub(crate) fn read_whole(path: &Path) -> Result<Vec<u8>, CliError> {
    let unreadable =
        |e: std::io::Error| CliError::environment(format!("无法读取 {}：{e}", path.display()));
    let limit = crate::config::get().sheets.max_file_bytes;
    let file = std::fs::File::open(path).map_err(unreadable)?;
    let size = file.metadata().map_err(unreadable)?.len();
    if size > limit {
        return Err(CliError::failure(format!(
            "{}：文件有 {size} 字节，超过上限 {limit} 字节，未读取",
            path.display()
        )));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    // Bounded again while reading, should the file grow meanwhile.
    std::io::Read::read_to_end(&mut std::io::Read::take(file, limit + 1), &mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > limit {
        return Err(CliError::failure(format!(
            "{}：文件超过上限 {limit} 字节，未读取",
            path.display()
        )));
    }
    Ok(bytes)
}

/// An evidence file from disk in the upload area, with its name: at most the evidence limit
/// (`evidence.max_bytes`, as on the web), refused by its size before it is read, then streamed.
pub(crate) async fn upload_file(store: &Store, path: &Path) -> Result<(String, Upload), CliError> {
    let file_name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let limit = store.evidence_policy().await?.max_bytes;
    let upload = store
        .attachments()
        .upload_file(path, &file_name, limit)
        .await?;
    Ok((file_name, upload))
}

/// Reads a spreadsheet file (xlsx, xls or csv by its name) into its sheets.
pub(crate) fn read_spreadsheet(path: &Path) -> Result<(String, Vec<u8>, Vec<Sheet>), CliError> {
    let bytes = read_whole(path)?;
    let name = path.display().to_string();
    let format = SheetFormat::detect(&name, &bytes);
    let sheets = read_sheets(&bytes, format, &name, &crate::config::get().sheets)
        .map_err(|e| CliError::failure(format!("{name}：{e}")))?;
    Ok((name, bytes, sheets))
}

/// The findings as lines: errors, then warnings.
pub(crate) fn finding_lines(errors: &[Finding], warnings: &[Finding]) -> Vec<String> {
    let mut lines: Vec<String> = errors.iter().map(|f| format!("错误 {f}")).collect();
    lines.extend(warnings.iter().map(|f| format!("提示 {f}")));
    lines
}

/// Prints the findings of a file that cannot be taken and says nothing was.
pub(crate) fn refuse_file(
    name: &str,
    errors: &[Finding],
    warnings: &[Finding],
    json_out: bool,
    nothing: &str,
) -> CliError {
    let printed = if json_out {
        print_json(&json!({
            "errors": errors.iter().map(finding_json).collect::<Vec<_>>(),
            "warnings": warnings.iter().map(finding_json).collect::<Vec<_>>(),
        }))
        .map(drop)
    } else {
        eprintln!("{}", finding_lines(errors, warnings).join("\n"));
        Ok(())
    };
    match printed {
        Err(e) => e,
        Ok(()) => CliError::failure(format!("{name} 有 {} 处错误，{nothing}", errors.len())),
    }
}
