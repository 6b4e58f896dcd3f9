//! GB 3838-2002 Table 1 (basic items), Table 2 (supplementary) and Table 3 (specific items).

use rectify_exact::exact::Exact;
use std::fmt;
use std::sync::LazyLock;

/// Water-quality class; `WorseThanV` is 劣Ⅴ. Ordered so that worse is greater.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    I = 1,
    II,
    III,
    IV,
    V,
    WorseThanV,
}

impl Class {
    pub const ALL: [Class; 6] = [
        Class::I,
        Class::II,
        Class::III,
        Class::IV,
        Class::V,
        Class::WorseThanV,
    ];

    /// ASCII form used in files: I … V, 劣V.
    pub fn code(self) -> &'static str {
        match self {
            Class::I => "I",
            Class::II => "II",
            Class::III => "III",
            Class::IV => "IV",
            Class::V => "V",
            Class::WorseThanV => "劣V",
        }
    }

    /// The form used in reports: Ⅰ … Ⅴ, 劣Ⅴ.
    pub fn roman(self) -> &'static str {
        match self {
            Class::I => "Ⅰ",
            Class::II => "Ⅱ",
            Class::III => "Ⅲ",
            Class::IV => "Ⅳ",
            Class::V => "Ⅴ",
            Class::WorseThanV => "劣Ⅴ",
        }
    }

    /// Accepts ASCII and Unicode Roman numerals, with or without 类.
    pub fn parse(text: &str) -> Option<Class> {
        let t = text
            .trim()
            .trim_end_matches('类')
            .replace('Ⅴ', "V")
            .replace('Ⅳ', "IV");
        let t = t.replace('Ⅲ', "III").replace('Ⅱ', "II").replace('Ⅰ', "I");
        Class::ALL.into_iter().find(|c| c.code() == t)
    }

    /// 2011 method: Ⅰ–Ⅱ 优, Ⅲ 良好, Ⅳ 轻度污染, Ⅴ 中度污染, 劣Ⅴ 重度污染.
    pub fn status(self) -> Status {
        match self {
            Class::I | Class::II => Status::Excellent,
            Class::III => Status::Good,
            Class::IV => Status::Light,
            Class::V => Status::Moderate,
            Class::WorseThanV => Status::Heavy,
        }
    }

    /// The class's colour on maps and charts: its status's colour (2011 method), except that
    /// Ⅰ is a deeper blue than Ⅱ, so the two 优 classes stay distinguishable.
    pub fn colour(self) -> &'static str {
        match self {
            Class::I => "#1850a0",
            Class::II => "#4a9fe8",
            other => other.status().colour(),
        }
    }

    pub fn meets_iii(self) -> bool {
        self <= Class::III
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// 水质状况 of a section, a river or a basin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    Excellent,
    Good,
    Light,
    Moderate,
    Heavy,
}

impl Status {
    pub fn zh(self) -> &'static str {
        match self {
            Status::Excellent => "优",
            Status::Good => "良好",
            Status::Light => "轻度污染",
            Status::Moderate => "中度污染",
            Status::Heavy => "重度污染",
        }
    }

    /// The map colour of the 2011 method.
    pub fn colour(self) -> &'static str {
        match self {
            Status::Excellent => "#1c7ed6",
            Status::Good => "#2f9e44",
            Status::Light => "#f2c200",
            Status::Moderate => "#f08c00",
            Status::Heavy => "#e03131",
        }
    }
}

/// River, or lake/reservoir (a river-type reservoir is evaluated as a river).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WaterBody {
    River,
    Lake,
}

impl WaterBody {
    pub fn parse(text: &str) -> Option<WaterBody> {
        // Every row of a samples file names it: the usual spellings without an allocation.
        match text {
            "river" => return Some(WaterBody::River),
            "lake" => return Some(WaterBody::Lake),
            _ => {}
        }
        match text.trim().to_ascii_lowercase().as_str() {
            "river" | "河流" | "河" => Some(WaterBody::River),
            "lake" | "reservoir" | "湖库" | "湖泊" | "水库" => Some(WaterBody::Lake),
            _ => None,
        }
    }
}

/// How a limit is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// value ≤ limit
    AtMost,
    /// value ≥ limit (dissolved oxygen)
    AtLeast,
    /// 6 ≤ pH ≤ 9
    PhRange,
    /// Water temperature: never classed.
    NotClassed,
}

/// The items a sample may carry: GB 3838 Table 1, and the trophic-state items of lakes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Indicator {
    Temp,
    Ph,
    Do,
    CodMn,
    Cod,
    Bod5,
    Nh3n,
    Tp,
    Tn,
    Cu,
    Zn,
    F,
    Se,
    As,
    Hg,
    Cd,
    Cr6,
    Pb,
    Cn,
    Phenol,
    Petroleum,
    Las,
    Sulfide,
    FecalColiform,
    Chla,
    Sd,
}

/// (indicator, code, Chinese name, direction, class Ⅰ…Ⅴ limits as decimal text, 2020 decimals)
type Row = (
    Indicator,
    &'static str,
    &'static str,
    Direction,
    [&'static str; 5],
    u32,
);

const TABLE1: [Row; 26] = [
    (
        Indicator::Temp,
        "temp",
        "水温",
        Direction::NotClassed,
        ["0"; 5],
        1,
    ),
    (Indicator::Ph, "ph", "pH值", Direction::PhRange, ["6"; 5], 0),
    (
        Indicator::Do,
        "do",
        "溶解氧",
        Direction::AtLeast,
        ["7.5", "6", "5", "3", "2"],
        1,
    ),
    (
        Indicator::CodMn,
        "codmn",
        "高锰酸盐指数",
        Direction::AtMost,
        ["2", "4", "6", "10", "15"],
        1,
    ),
    (
        Indicator::Cod,
        "cod",
        "化学需氧量",
        Direction::AtMost,
        ["15", "15", "20", "30", "40"],
        1,
    ),
    (
        Indicator::Bod5,
        "bod5",
        "五日生化需氧量",
        Direction::AtMost,
        ["3", "3", "4", "6", "10"],
        1,
    ),
    (
        Indicator::Nh3n,
        "nh3n",
        "氨氮",
        Direction::AtMost,
        ["0.15", "0.5", "1.0", "1.5", "2.0"],
        2,
    ),
    (
        Indicator::Tp,
        "tp",
        "总磷",
        Direction::AtMost,
        ["0.02", "0.1", "0.2", "0.3", "0.4"],
        3,
    ),
    (
        Indicator::Tn,
        "tn",
        "总氮",
        Direction::AtMost,
        ["0.2", "0.5", "1.0", "1.5", "2.0"],
        2,
    ),
    (
        Indicator::Cu,
        "cu",
        "铜",
        Direction::AtMost,
        ["0.01", "1.0", "1.0", "1.0", "1.0"],
        3,
    ),
    (
        Indicator::Zn,
        "zn",
        "锌",
        Direction::AtMost,
        ["0.05", "1.0", "1.0", "2.0", "2.0"],
        3,
    ),
    (
        Indicator::F,
        "f",
        "氟化物",
        Direction::AtMost,
        ["1.0", "1.0", "1.0", "1.5", "1.5"],
        3,
    ),
    (
        Indicator::Se,
        "se",
        "硒",
        Direction::AtMost,
        ["0.01", "0.01", "0.01", "0.02", "0.02"],
        4,
    ),
    (
        Indicator::As,
        "as",
        "砷",
        Direction::AtMost,
        ["0.05", "0.05", "0.05", "0.1", "0.1"],
        4,
    ),
    (
        Indicator::Hg,
        "hg",
        "汞",
        Direction::AtMost,
        ["0.00005", "0.00005", "0.0001", "0.001", "0.001"],
        5,
    ),
    (
        Indicator::Cd,
        "cd",
        "镉",
        Direction::AtMost,
        ["0.001", "0.005", "0.005", "0.005", "0.01"],
        5,
    ),
    (
        Indicator::Cr6,
        "cr6",
        "铬(六价)",
        Direction::AtMost,
        ["0.01", "0.05", "0.05", "0.05", "0.1"],
        3,
    ),
    (
        Indicator::Pb,
        "pb",
        "铅",
        Direction::AtMost,
        ["0.01", "0.01", "0.05", "0.05", "0.1"],
        3,
    ),
    (
        Indicator::Cn,
        "cn",
        "氰化物",
        Direction::AtMost,
        ["0.005", "0.05", "0.2", "0.2", "0.2"],
        3,
    ),
    (
        Indicator::Phenol,
        "phenol",
        "挥发酚",
        Direction::AtMost,
        ["0.002", "0.002", "0.005", "0.01", "0.1"],
        4,
    ),
    (
        Indicator::Petroleum,
        "petroleum",
        "石油类",
        Direction::AtMost,
        ["0.05", "0.05", "0.05", "0.5", "1.0"],
        2,
    ),
    (
        Indicator::Las,
        "las",
        "阴离子表面活性剂",
        Direction::AtMost,
        ["0.2", "0.2", "0.2", "0.3", "0.3"],
        2,
    ),
    (
        Indicator::Sulfide,
        "sulfide",
        "硫化物",
        Direction::AtMost,
        ["0.05", "0.1", "0.2", "0.5", "1.0"],
        3,
    ),
    (
        Indicator::FecalColiform,
        "fecal_coliform",
        "粪大肠菌群",
        Direction::AtMost,
        ["200", "2000", "10000", "20000", "40000"],
        0,
    ),
    (
        Indicator::Chla,
        "chla",
        "叶绿素a",
        Direction::NotClassed,
        ["0"; 5],
        3,
    ),
    (
        Indicator::Sd,
        "sd",
        "透明度",
        Direction::NotClassed,
        ["0"; 5],
        2,
    ),
];

/// Lake and reservoir TP limits (湖、库).
const LAKE_TP: [&str; 5] = ["0.01", "0.025", "0.05", "0.1", "0.2"];

/// Other spellings of codes met in exports.
const ALIASES: [(&str, Indicator); 8] = [
    ("oil", Indicator::Petroleum),
    ("fc", Indicator::FecalColiform),
    ("nh3-n", Indicator::Nh3n),
    ("codcr", Indicator::Cod),
    ("cr", Indicator::Cr6),
    ("water_temp", Indicator::Temp),
    ("cn-", Indicator::Cn),
    ("chl_a", Indicator::Chla),
];

fn exact(text: &str) -> Exact {
    rectify_exact::exact::parse_decimal(text)
        .ok()
        .flatten()
        .unwrap_or(Exact::ZERO)
}

/// Table 1 limits parsed once: per indicator, rivers then lakes, classes Ⅰ…Ⅴ.
static LIMITS: LazyLock<Vec<[[Exact; 5]; 2]>> = LazyLock::new(|| {
    TABLE1
        .iter()
        .map(|row| {
            let river = row.4.map(exact);
            let lake = if row.0 == Indicator::Tp {
                LAKE_TP.map(exact)
            } else {
                river
            };
            [river, lake]
        })
        .collect()
});

impl Indicator {
    fn row(self) -> &'static Row {
        &TABLE1[self as usize]
    }

    pub fn all() -> impl Iterator<Item = Indicator> {
        TABLE1.iter().map(|r| r.0)
    }

    pub fn code(self) -> &'static str {
        self.row().1
    }

    pub fn name_zh(self) -> &'static str {
        self.row().2
    }

    pub fn direction(self) -> Direction {
        self.row().3
    }

    /// Decimal places of the 2020 statistics rules (UNSURE table; used only when rounding is on).
    pub fn decimals(self) -> u32 {
        self.row().5
    }

    /// By code (case-insensitive), alias or Chinese name.
    pub fn parse(text: &str) -> Option<Indicator> {
        let t = text.trim().to_ascii_lowercase();
        Indicator::all()
            .find(|i| i.code() == t || i.name_zh() == text.trim())
            .or_else(|| ALIASES.iter().find(|(a, _)| *a == t).map(|(_, i)| *i))
    }

    /// Whether the 2011 method counts it in the section class (21 items: all of Table 1 except
    /// water temperature, total nitrogen and fecal coliform).
    pub fn evaluated(self) -> bool {
        !matches!(
            self,
            Indicator::Temp
                | Indicator::Tn
                | Indicator::FecalColiform
                | Indicator::Chla
                | Indicator::Sd
        )
    }

    /// Reported beside the class but not part of it.
    pub fn reference_only(self) -> bool {
        matches!(self, Indicator::Tn | Indicator::FecalColiform)
    }

    /// The limit of `class` (Ⅰ…Ⅴ) for this water body.
    pub fn limit(self, class: Class, body: WaterBody) -> Option<Exact> {
        let index = (class as usize).checked_sub(1).filter(|i| *i < 5)?;
        let table = &LIMITS[self as usize];
        Some(table[usize::from(body == WaterBody::Lake)][index])
    }

    /// GB 3838 class of a value: the first (best) class whose limit it meets, else 劣Ⅴ. `None`
    /// for items that are never classed.
    pub fn class_of(self, value: Exact, body: WaterBody) -> Option<Class> {
        // The limits of Ⅰ…Ⅴ in order, walked once: every sample's every item comes here.
        let limits = &LIMITS[self as usize][usize::from(body == WaterBody::Lake)];
        let best = match self.direction() {
            Direction::NotClassed => return None,
            Direction::AtMost => limits.iter().position(|limit| value <= *limit),
            Direction::AtLeast => limits.iter().position(|limit| value >= *limit),
            Direction::PhRange => (value >= Exact::int(6) && value <= Exact::int(9)).then_some(0),
        };
        Some(best.map_or(Class::WorseThanV, |i| Class::ALL[i]))
    }

    /// 超标倍数 against the limit of `reference` (Ⅲ for main pollutants, or a target class):
    /// (C − L)/L. None for pH, DO and temperature, and when the value meets the limit.
    pub fn multiple(self, value: Exact, reference: Class, body: WaterBody) -> Option<Exact> {
        if self.direction() != Direction::AtMost {
            return None;
        }
        let limit = self.limit(reference, body)?;
        (value > limit).then(|| (value - limit) / limit)
    }
}

/// A reading as written, `unscaled / 10^scale`, halved when it is a detection limit (½·DL, the
/// statistical value of a reading below it): what a reader holds before making an [`Exact`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decimal {
    pub unscaled: i64,
    /// At most [`Decimal::MAX_SCALE`].
    pub scale: u8,
    pub halved: bool,
}

impl Decimal {
    pub const MAX_SCALE: u8 = 18;

    /// The value as an exact fraction (unreduced, as [`Exact::ratio_unreduced`] gives it).
    pub fn to_exact(self) -> Exact {
        let den = 10_i128.pow(u32::from(self.scale)) * if self.halved { 2 } else { 1 };
        Exact::ratio_unreduced(self.unscaled.into(), den)
    }

    /// Twice the value in units of 10^-scale: compared with thresholds as one integer.
    fn doubled(self) -> i128 {
        i128::from(self.unscaled) * if self.halved { 1 } else { 2 }
    }
}

/// Class limits as integer thresholds per scale, for [`Indicator::class_of_decimal`]: for
/// indicator, water body (river, lake), scale s and class Ⅰ…Ⅴ, the bound on twice a value in
/// units of 10^-s. A value meets an at-most limit L when 2·v·10^s ≤ floor(2·L·10^s), and an
/// at-least limit when 2·v·10^s ≥ ceil(2·L·10^s): exact, since the left side is an integer.
/// Limits have at most 5 decimals, so 2·L·10^18 fits 128 bits.
type ScaledLimits = [[[i128; 5]; Decimal::MAX_SCALE as usize + 1]; 2];

static SCALED_LIMITS: LazyLock<Vec<ScaledLimits>> = LazyLock::new(|| {
    Indicator::all()
        .map(|indicator| {
            let body = |lake: bool| {
                let limits = &LIMITS[indicator as usize][usize::from(lake)];
                std::array::from_fn(|scale| {
                    let twice = Exact::int(2) * Exact::ratio(10_i128.pow(scale as u32), 1);
                    limits.map(|limit| match indicator.direction() {
                        Direction::AtLeast => (limit * twice).ceil(),
                        _ => (limit * twice).floor(),
                    })
                })
            };
            [body(false), body(true)]
        })
        .collect()
});

impl Indicator {
    /// [`Indicator::class_of`] of a decimal's value, on integers: every item of every sample
    /// classified comes here.
    pub fn class_of_decimal(self, value: Decimal, body: WaterBody) -> Option<Class> {
        let Some(limits) = SCALED_LIMITS[self as usize][usize::from(body == WaterBody::Lake)]
            .get(usize::from(value.scale))
        else {
            return self.class_of(value.to_exact(), body);
        };
        let doubled = value.doubled();
        let best = match self.direction() {
            Direction::NotClassed => return None,
            Direction::AtMost => limits.iter().position(|limit| doubled <= *limit),
            Direction::AtLeast => limits.iter().position(|limit| doubled >= *limit),
            Direction::PhRange => {
                let unit = 2 * 10_i128.pow(u32::from(value.scale));
                (doubled >= 6 * unit && doubled <= 9 * unit).then_some(0)
            }
        };
        Some(best.map_or(Class::WorseThanV, |i| Class::ALL[i]))
    }
}

/// Table 2 (supplementary items of drinking-water surface sources) and Table 3 (specific items):
/// pass/fail against one limit, in mg/L.
pub const SOURCE_ITEMS: [(&str, &str, &str); 85] = [
    ("sulfate", "硫酸盐", "250"),
    ("chloride", "氯化物", "250"),
    ("nitrate", "硝酸盐", "10"),
    ("fe", "铁", "0.3"),
    ("mn", "锰", "0.1"),
    ("", "三氯甲烷", "0.06"),
    ("", "四氯化碳", "0.002"),
    ("", "三溴甲烷", "0.1"),
    ("", "二氯甲烷", "0.02"),
    ("", "1,2-二氯乙烷", "0.03"),
    ("", "环氧氯丙烷", "0.02"),
    ("", "氯乙烯", "0.005"),
    ("", "1,1-二氯乙烯", "0.03"),
    ("", "1,2-二氯乙烯", "0.05"),
    ("", "三氯乙烯", "0.07"),
    ("", "四氯乙烯", "0.04"),
    ("", "氯丁二烯", "0.002"),
    ("", "六氯丁二烯", "0.0006"),
    ("", "苯乙烯", "0.02"),
    ("", "甲醛", "0.9"),
    ("", "乙醛", "0.05"),
    ("", "丙烯醛", "0.1"),
    ("", "三氯乙醛", "0.01"),
    ("", "苯", "0.01"),
    ("", "甲苯", "0.7"),
    ("", "乙苯", "0.3"),
    ("", "二甲苯", "0.5"),
    ("", "异丙苯", "0.25"),
    ("", "氯苯", "0.3"),
    ("", "1,2-二氯苯", "1.0"),
    ("", "1,4-二氯苯", "0.3"),
    ("", "三氯苯", "0.02"),
    ("", "四氯苯", "0.02"),
    ("", "六氯苯", "0.05"),
    ("", "硝基苯", "0.017"),
    ("", "二硝基苯", "0.5"),
    ("", "2,4-二硝基甲苯", "0.0003"),
    ("", "2,4,6-三硝基甲苯", "0.5"),
    ("", "硝基氯苯", "0.05"),
    ("", "2,4-二硝基氯苯", "0.5"),
    ("", "2,4-二氯苯酚", "0.093"),
    ("", "2,4,6-三氯苯酚", "0.2"),
    ("", "五氯酚", "0.009"),
    ("", "苯胺", "0.1"),
    ("", "联苯胺", "0.0002"),
    ("", "丙烯酰胺", "0.0005"),
    ("", "丙烯腈", "0.1"),
    ("", "邻苯二甲酸二丁酯", "0.003"),
    ("", "邻苯二甲酸二(2-乙基己基)酯", "0.008"),
    ("", "水合肼", "0.01"),
    ("", "四乙基铅", "0.0001"),
    ("", "吡啶", "0.2"),
    ("", "松节油", "0.2"),
    ("", "苦味酸", "0.5"),
    ("", "丁基黄原酸", "0.005"),
    ("", "活性氯", "0.01"),
    ("", "滴滴涕", "0.001"),
    ("", "林丹", "0.002"),
    ("", "环氧七氯", "0.0002"),
    ("", "对硫磷", "0.003"),
    ("", "甲基对硫磷", "0.002"),
    ("", "马拉硫磷", "0.05"),
    ("", "乐果", "0.08"),
    ("", "敌敌畏", "0.05"),
    ("", "敌百虫", "0.05"),
    ("", "内吸磷", "0.03"),
    ("", "百菌清", "0.01"),
    ("", "甲萘威", "0.05"),
    ("", "溴氰菊酯", "0.02"),
    ("", "阿特拉津", "0.003"),
    ("", "苯并(a)芘", "2.8e-6"),
    ("", "甲基汞", "1.0e-6"),
    ("", "多氯联苯", "2.0e-5"),
    ("", "微囊藻毒素-LR", "0.001"),
    ("", "黄磷", "0.003"),
    ("", "钼", "0.07"),
    ("", "钴", "1.0"),
    ("", "铍", "0.002"),
    ("", "硼", "0.5"),
    ("", "锑", "0.005"),
    ("", "镍", "0.02"),
    ("", "钡", "0.7"),
    ("", "钒", "0.05"),
    ("", "钛", "0.1"),
    ("", "铊", "0.0001"),
];

static SOURCE_LIMITS: LazyLock<Vec<Exact>> =
    LazyLock::new(|| SOURCE_ITEMS.iter().map(|(_, _, l)| exact(l)).collect());

/// A Table 2 or Table 3 item (an index into [`SOURCE_ITEMS`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SourceItem(u8);

impl SourceItem {
    /// By code or Chinese name.
    pub fn parse(text: &str) -> Option<SourceItem> {
        let t = text.trim();
        SOURCE_ITEMS
            .iter()
            .position(|(code, name, _)| {
                (!code.is_empty() && code.eq_ignore_ascii_case(t)) || *name == t
            })
            .map(|i| SourceItem(i as u8))
    }

    pub fn name(self) -> &'static str {
        SOURCE_ITEMS[usize::from(self.0)].1
    }

    pub fn limit(self) -> Exact {
        SOURCE_LIMITS[usize::from(self.0)]
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn every_class_has_its_own_colour() {
        let mut colours: Vec<&str> = Class::ALL.iter().map(|c| c.colour()).collect();
        colours.sort_unstable();
        colours.dedup();
        assert_eq!(colours.len(), Class::ALL.len(), "Ⅰ and Ⅱ told apart too");
    }

    use super::*;

    #[test]
    fn rows_are_in_enum_order_and_table3_has_80_items() {
        for (i, row) in TABLE1.iter().enumerate() {
            assert_eq!(row.0 as usize, i, "{}", row.1);
        }
        assert_eq!(SOURCE_ITEMS.len() - 5, 80);
        let bap = SourceItem::parse("苯并(a)芘").unwrap();
        assert_eq!(bap.limit(), Exact::ratio(28, 10_000_000));
        assert_eq!(SourceItem::parse("MN").unwrap().name(), "锰");
    }

    /// Decimals around every limit (and pH 6 and 9) at every scale: the limit itself, a unit
    /// either side, twice it as a detection limit, and the extremes of 64 bits.
    fn decimals_at_the_boundaries() -> Vec<Decimal> {
        let mut bounds: Vec<Exact> = LIMITS.iter().flatten().flatten().copied().collect();
        bounds.extend([Exact::int(6), Exact::int(9), Exact::ZERO]);
        let mut decimals = Vec::new();
        for scale in 0..=Decimal::MAX_SCALE + 2 {
            let unit = Exact::ratio(10_i128.pow(u32::from(scale)), 1);
            for bound in &bounds {
                for twice in [1, 2] {
                    let units = *bound * unit * Exact::int(twice);
                    for near in [
                        units.floor() - 1,
                        units.floor(),
                        units.ceil(),
                        units.ceil() + 1,
                    ] {
                        let Ok(unscaled) = i64::try_from(near) else {
                            continue;
                        };
                        for halved in [false, true] {
                            decimals.push(Decimal {
                                unscaled,
                                scale,
                                halved,
                            });
                        }
                    }
                }
            }
            for unscaled in [i64::MIN, -1, 1, i64::MAX] {
                for halved in [false, true] {
                    decimals.push(Decimal {
                        unscaled,
                        scale,
                        halved,
                    });
                }
            }
        }
        decimals
    }

    #[test]
    fn a_decimal_has_the_class_of_its_exact_value() {
        use crate::period::Reading;
        let decimals = decimals_at_the_boundaries();
        assert!(decimals.len() > 10_000, "{}", decimals.len());
        let mut classes = std::collections::HashSet::new();
        for d in decimals {
            // As the reader made it before: the fraction read, then its statistical value.
            let read = Exact::ratio_unreduced(d.unscaled.into(), 10_i128.pow(u32::from(d.scale)));
            let value = match d.halved {
                true => Reading::BelowDetection(read).statistical_value(),
                false => Reading::Value(read).statistical_value(),
            };
            assert_eq!(d.to_exact(), value, "{d:?}");
            for indicator in Indicator::all() {
                for body in [WaterBody::River, WaterBody::Lake] {
                    let fast = indicator.class_of_decimal(d, body);
                    assert_eq!(
                        fast,
                        indicator.class_of(value, body),
                        "{indicator:?} {body:?} {d:?}"
                    );
                    classes.insert(fast);
                }
            }
        }
        assert_eq!(
            classes.len(),
            7,
            "every class and unclassed met: {classes:?}"
        );
    }

    #[test]
    fn classes_parse_in_every_spelling() {
        for text in ["III", "Ⅲ", "Ⅲ类", " III "] {
            assert_eq!(Class::parse(text), Some(Class::III));
        }
        for text in ["劣V", "劣Ⅴ", "劣Ⅴ类"] {
            assert_eq!(Class::parse(text), Some(Class::WorseThanV));
        }
        assert_eq!(Class::parse("IV"), Some(Class::IV));
        assert_eq!(Class::parse("VI"), None);
    }
}
