//! Transferred public complaints (督察组转办信访件): their vocabulary, the reporting clock, the
//! duplicate and same-site suggestions, the spot-check sample and the publication redaction.

use crate::calendar::WorkCalendar;
use rectify_exact::date::Date;
use std::fmt;

mod query;
mod record;
pub mod redact;
pub mod sample;
pub mod similar;

pub use query::{ComplaintQuery, StateFilter};
pub use record::{
    ComplaintRecord, Extra, Feedback, MEASURE_LABELS, Measures, NewBatch, NewComplaint,
    penalty_yuan,
};

labelled_enum!(
    /// How the complaint reached the inspection team; the first letter of its 受理编号.
    Channel, "来源渠道" {
        Phone => "phone", "来电";
        Letter => "letter", "来信";
        Online => "online", "网络";
    }
);

labelled_enum!(
    /// 污染类型; a complaint may name several.
    PollutionType, "污染类型" {
        Water => "water", "水";
        Air => "air", "大气";
        Soil => "soil", "土壤";
        Ecology => "ecology", "生态";
        Noise => "noise", "噪声";
        Radiation => "radiation", "辐射";
        SolidWaste => "solid_waste", "固废";
        Other => "other", "其他";
    }
);

labelled_enum!(
    /// 是否属实, the verdict of the investigation.
    Verdict, "是否属实" {
        True => "true", "属实";
        MostlyTrue => "mostly_true", "基本属实";
        PartlyTrue => "partly_true", "部分属实";
        Untrue => "untrue", "不属实";
    }
);

labelled_enum!(
    /// 办理状态 as reported back by the handling unit.
    Handling, "办理状态" {
        Closed => "closed", "已办结";
        StageClosed => "stage_closed", "阶段性办结";
        InProgress => "in_progress", "正在办理";
    }
);

labelled_enum!(
    /// 抽查结论.
    SpotVerdict, "抽查结论" {
        Pass => "pass", "合格";
        Fail => "fail", "不合格";
    }
);

labelled_enum!(
    /// What an import suggested about a complaint, for the office to confirm or dismiss.
    SuggestionKind, "建议类型" {
        Duplicate => "duplicate", "疑似重复件";
        Item => "item", "同一点位整改任务";
        Rebound => "rebound", "销号后反弹";
    }
);

/// Words offices write for a type outside the vocabulary, and the type they mean. The
/// original word is kept with a warning; it is never dropped silently.
const TYPE_SYNONYMS: &[(&str, PollutionType)] = &[
    ("臭味", PollutionType::Air),
    ("异味", PollutionType::Air),
    ("恶臭", PollutionType::Air),
    ("油烟", PollutionType::Air),
    ("扬尘", PollutionType::Air),
    ("粉尘", PollutionType::Air),
    ("废气", PollutionType::Air),
    ("废水", PollutionType::Water),
    ("污水", PollutionType::Water),
    ("固体废物", PollutionType::SolidWaste),
    ("垃圾", PollutionType::SolidWaste),
    ("危废", PollutionType::SolidWaste),
    ("重金属", PollutionType::Soil),
    ("海洋", PollutionType::Water),
];

/// The types named in a 污染类型 cell, in cell order without repeats, and a note for every
/// word that had to be mapped or could not be.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ParsedTypes {
    pub types: Vec<PollutionType>,
    pub notes: Vec<String>,
}

pub fn parse_types(cell: &str) -> ParsedTypes {
    let mut parsed = ParsedTypes::default();
    let words = cell
        .split(['、', ',', '，', '/', ';', '；', ' ', '\u{3000}'])
        .map(str::trim)
        .filter(|w| !w.is_empty());
    for word in words {
        let word = word.trim_end_matches("污染");
        let found = PollutionType::parse(word).or_else(|| {
            let mapped = TYPE_SYNONYMS
                .iter()
                .find(|(w, _)| *w == word)
                .map(|(_, t)| *t);
            match mapped {
                Some(t) => parsed
                    .notes
                    .push(format!("污染类型“{word}”不在标准词表中，按“{t}”登记")),
                None => parsed.notes.push(format!(
                    "污染类型“{word}”无法识别，按“其他”登记（词表：{}）",
                    PollutionType::choices_zh()
                )),
            }
            Some(mapped.unwrap_or(PollutionType::Other))
        });
        if let Some(t) = found.filter(|t| !parsed.types.contains(t)) {
            parsed.types.push(t);
        }
    }
    parsed
}

/// The parts of a 受理编号 such as `D3SX202505280018`: channel letter, inspection round,
/// province code, received date and the team's daily sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedNo {
    pub channel: Channel,
    pub round: u8,
    pub province: String,
    pub received: Date,
    pub sequence: u16,
}

impl ReceivedNo {
    pub fn parse(text: &str) -> Option<ReceivedNo> {
        let text = text.trim();
        if text.len() != 16 || !text.is_ascii() {
            return None;
        }
        let channel = match &text[..1] {
            "D" => Channel::Phone,
            "X" => Channel::Letter,
            "W" => Channel::Online,
            _ => return None,
        };
        let round = text[1..2].parse().ok()?;
        let province = &text[2..4];
        if !province.bytes().all(|b| b.is_ascii_uppercase()) {
            return None;
        }
        let digits = |range: std::ops::Range<usize>| -> Option<u32> {
            let part = &text[range];
            part.bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| part.parse().ok())?
        };
        let year = i32::try_from(digits(4..8)?).ok()?;
        let month = u8::try_from(digits(8..10)?).ok()?;
        let day = u8::try_from(digits(10..12)?).ok()?;
        Some(ReceivedNo {
            channel,
            round,
            province: province.to_string(),
            received: Date::new(year, month, day)?,
            sequence: u16::try_from(digits(12..16)?).ok()?,
        })
    }
}

/// How the reporting period is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DayMode {
    Calendar,
    Working,
}

impl DayMode {
    pub fn code(self) -> &'static str {
        match self {
            DayMode::Calendar => "calendar",
            DayMode::Working => "working",
        }
    }

    pub fn parse(text: &str) -> Option<DayMode> {
        match text.trim() {
            "calendar" | "自然日" => Some(DayMode::Calendar),
            "working" | "工作日" => Some(DayMode::Working),
            _ => None,
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            DayMode::Calendar => "自然日",
            DayMode::Working => "工作日",
        }
    }
}

/// The report-back clock of a batch: due `days` days after the transfer. The transfer day
/// itself is day 0, so a complaint transferred on 6-5 with 10 calendar days is due on 6-15.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Clock {
    pub days: u16,
    pub mode: DayMode,
}

impl Default for Clock {
    /// The central inspection's 10 days (workflow.md §4.1; Anhui's provincial rounds use 7).
    fn default() -> Self {
        Clock {
            days: 10,
            mode: DayMode::Calendar,
        }
    }
}

impl Clock {
    pub fn due(self, transferred: Date, calendar: &WorkCalendar) -> Date {
        match self.mode {
            DayMode::Calendar => transferred.add_days(i32::from(self.days)),
            DayMode::Working => calendar.add_workdays(transferred, i32::from(self.days)),
        }
    }
}

impl fmt::Display for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}个{}", self.days, self.mode.label_zh())
    }
}

/// Where a complaint stands against its clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockState {
    /// Not reported back yet, due in this many days (0: due today).
    Running { days_left: i32 },
    /// Not reported back and past its due day by this many days.
    Overdue { days: i32 },
    /// Reported back on time.
    OnTime,
    /// Reported back after the due day.
    Late { days: i32 },
}

impl ClockState {
    pub fn of(due: Date, reported: Option<Date>, today: Date) -> ClockState {
        match reported {
            Some(on) if on > due => ClockState::Late {
                days: on.day_number() - due.day_number(),
            },
            Some(_) => ClockState::OnTime,
            None if today > due => ClockState::Overdue {
                days: today.day_number() - due.day_number(),
            },
            None => ClockState::Running {
                days_left: due.day_number() - today.day_number(),
            },
        }
    }

    pub fn is_overdue(self) -> bool {
        matches!(self, ClockState::Overdue { .. })
    }

    pub fn label_zh(self) -> String {
        match self {
            ClockState::Running { days_left: 0 } => "今日到期".to_string(),
            ClockState::Running { days_left } => format!("剩{days_left}天"),
            ClockState::Overdue { days } => format!("逾期{days}天"),
            ClockState::OnTime => "按期反馈".to_string(),
            ClockState::Late { days } => format!("迟报{days}天"),
        }
    }
}

/// Returns (退回重办) that make the handling unit an accountability candidate (workflow.md
/// §5.2 rule 3).
pub const RETURNS_FOR_ACCOUNTABILITY: u32 = 2;

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Date {
        Date::parse(text).unwrap()
    }

    #[test]
    fn received_numbers_split_into_their_parts() {
        let no = ReceivedNo::parse("D3SX202505280018").unwrap();
        assert_eq!(no.channel, Channel::Phone);
        assert_eq!((no.round, no.province.as_str()), (3, "SX"));
        assert_eq!((no.received, no.sequence), (d("2025-05-28"), 18));
        assert_eq!(
            ReceivedNo::parse("X1HA201806040013").map(|n| n.channel),
            Some(Channel::Letter)
        );
        assert_eq!(
            ReceivedNo::parse("W1HA201806050012").map(|n| n.channel),
            Some(Channel::Online)
        );
        for bad in [
            "",
            "D3SX20250528001",
            "Q3SX202505280018",
            "D3SX202513280018",
            "D3sx202505280018",
            "D3SX2025052800１8",
        ] {
            assert_eq!(ReceivedNo::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn types_split_map_and_report_unknown_words() {
        let parsed = parse_types("大气、噪声");
        assert_eq!(parsed.types, vec![PollutionType::Air, PollutionType::Noise]);
        assert!(parsed.notes.is_empty());
        let parsed = parse_types("臭味");
        assert_eq!(parsed.types, vec![PollutionType::Air]);
        assert!(parsed.notes[0].contains("臭味"));
        let parsed = parse_types("水污染、光污染、水");
        assert_eq!(
            parsed.types,
            vec![PollutionType::Water, PollutionType::Other]
        );
        assert!(parsed.notes[0].contains("光"), "{:?}", parsed.notes);
    }

    #[test]
    fn calendar_clock_counts_through_a_holiday() {
        let clock = Clock::default();
        let calendar = WorkCalendar::embedded();
        // 2026-09-28 + 10 calendar days crosses the National Day holiday: 10-08 all the same.
        assert_eq!(clock.due(d("2026-09-28"), &calendar), d("2026-10-08"));
        assert_eq!(clock.due(d("2018-06-05"), &calendar), d("2018-06-15"));
    }

    #[test]
    fn working_day_clock_skips_the_holiday_and_counts_the_makeup_day() {
        let clock = Clock {
            days: 5,
            mode: DayMode::Working,
        };
        let calendar = WorkCalendar::embedded();
        // 2026 National Day: 10-01..10-07 off, Saturday 10-10 worked.
        // From Monday 09-28: 09-29, 09-30, (holiday), 10-08, 10-09, 10-10 → due 10-10.
        assert_eq!(clock.due(d("2026-09-28"), &calendar), d("2026-10-10"));
        // Without the holiday the same five days end on a Monday-to-Friday week.
        assert_eq!(clock.due(d("2026-11-02"), &calendar), d("2026-11-09"));
        // Dragon Boat 2018 (06-18 off): from 06-12, five working days end on 06-20.
        assert_eq!(clock.due(d("2018-06-12"), &calendar), d("2018-06-20"));
    }

    #[test]
    fn clock_states() {
        let due = d("2018-06-15");
        assert_eq!(
            ClockState::of(due, None, d("2018-06-15")),
            ClockState::Running { days_left: 0 }
        );
        assert_eq!(
            ClockState::of(due, None, d("2018-06-18")),
            ClockState::Overdue { days: 3 }
        );
        assert_eq!(
            ClockState::of(due, Some(d("2018-06-15")), d("2018-06-30")),
            ClockState::OnTime
        );
        assert_eq!(
            ClockState::of(due, Some(d("2018-06-17")), d("2018-06-30")),
            ClockState::Late { days: 2 }
        );
    }
}
