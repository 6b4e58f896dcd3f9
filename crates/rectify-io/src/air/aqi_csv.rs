//! `rectify air aqi`: a table of concentrations in, the same table with IAQIs and AQI out.

use crate::csv_cell::csv_cell;
use crate::{ReadError, RowProblem};
use rectify_air::aqi::{AqiReport, Concentrations, Pollutant, ReportOptions, report};
use rectify_air::exact::{Exact, parse_exact};
use std::io::Write;
use std::path::Path;

/// Input columns the report reads; any subset may be present.
const INPUTS: [&str; 10] = [
    "so2", "no2", "co", "o3_1h", "o3_8h", "pm10", "pm25", "so2_24h", "pm10_24h", "pm25_24h",
];

/// Output columns appended to the input's.
pub const OUTPUTS: [&str; 11] = [
    "iaqi_so2",
    "iaqi_no2",
    "iaqi_co",
    "iaqi_o3_1h",
    "iaqi_o3_8h",
    "iaqi_pm10",
    "iaqi_pm25",
    "aqi",
    "level",
    "category",
    "primary",
];

pub struct AqiTableSummary {
    pub rows: u64,
    pub problems: Vec<RowProblem>,
}

/// Reads `input`, writes `output`. Rows with an unreadable cell are written with empty results
/// and reported; with `strict` the first one aborts (the caller discards the partial output).
pub fn compute_table(
    input: &Path,
    output: &mut dyn Write,
    options: ReportOptions,
    strict: bool,
) -> Result<AqiTableSummary, ReadError> {
    let io = |source: std::io::Error| ReadError::Io {
        path: input.to_path_buf(),
        source,
    };
    let format = |message: String| ReadError::Format {
        path: input.to_path_buf(),
        message,
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(input)
        .map_err(|e| format(e.to_string()))?;
    let headers = reader.headers().map_err(|e| format(e.to_string()))?.clone();
    let names: Vec<String> = headers
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let columns: Vec<Option<usize>> = INPUTS
        .iter()
        .map(|n| names.iter().position(|h| h == n))
        .collect();
    if columns.iter().all(Option::is_none) {
        return Err(format(format!(
            "没有可用的浓度列，应包含 {} 中的一列或多列",
            INPUTS.join(",")
        )));
    }
    let mut writer = csv::Writer::from_writer(output);
    let mut header_row: Vec<String> = headers.iter().map(|h| csv_cell(h).into_owned()).collect();
    header_row.extend(OUTPUTS.iter().map(|s| s.to_string()));
    writer.write_record(&header_row).map_err(|e| io(e.into()))?;
    let mut rows = 0_u64;
    let mut problems = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i as u64 + 2;
        let record = record.map_err(|e| format(format!("第 {line} 行：{e}")))?;
        let mut values = [None; 10];
        let mut readable = true;
        for (slot, column) in values.iter_mut().zip(&columns) {
            let Some(c) = column else { continue };
            match parse_exact(record.get(*c).unwrap_or("")) {
                Ok(v) => *slot = v,
                Err(e) => {
                    readable = false;
                    let problem = RowProblem {
                        line: Some(line),
                        column: Some(names[*c].clone()),
                        message: e.to_string(),
                    };
                    if strict {
                        return Err(ReadError::Strict {
                            path: input.to_path_buf(),
                            problem,
                        });
                    }
                    problems.push(problem);
                }
            }
        }
        let mut row: Vec<String> = record.iter().map(|c| csv_cell(c).into_owned()).collect();
        row.resize(headers.len(), String::new());
        match readable {
            true => row.extend(result_cells(&report(&concentrations(values), options))),
            false => row.extend(std::iter::repeat_n(String::new(), OUTPUTS.len())),
        }
        writer.write_record(&row).map_err(|e| io(e.into()))?;
        rows += 1;
    }
    writer.flush().map_err(io)?;
    Ok(AqiTableSummary { rows, problems })
}

fn concentrations(v: [Option<Exact>; 10]) -> Concentrations {
    Concentrations {
        so2: v[0],
        no2: v[1],
        co: v[2],
        o3_1h: v[3],
        o3_8h: v[4],
        pm10: v[5],
        pm25: v[6],
        so2_24h: v[7],
        pm10_24h: v[8],
        pm25_24h: v[9],
    }
}

/// The appended cells: IAQIs (empty when not indexed), AQI, level number, category, primary
/// pollutants joined by `;`.
pub fn result_cells(r: &AqiReport) -> Vec<String> {
    // Pollutant::ALL is the order of the iaqi_* output columns.
    let mut cells: Vec<String> = Pollutant::ALL
        .iter()
        .map(|p| {
            r.iaqi_of(*p)
                .map(|i| i.value.to_string())
                .unwrap_or_default()
        })
        .collect();
    cells.push(r.aqi.map(|a| a.to_string()).unwrap_or_default());
    cells.push(r.level.map(|l| l.number.to_string()).unwrap_or_default());
    cells.push(r.level.map(|l| l.category.to_string()).unwrap_or_default());
    cells.push(
        r.primary
            .iter()
            .map(|p| p.name())
            .collect::<Vec<_>>()
            .join(";"),
    );
    cells
}
