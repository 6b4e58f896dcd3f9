//! Unit names as plans write them (#19): one key per unit whatever its spelling, the kind a
//! name implies, and the group names (各县（市、区）人民政府, 市直有关部门 …) that stand for
//! several units rather than one.
//!
//! Plans spell the same body many ways: full- or half-width brackets, 人民政府 or 政府, spaces
//! pasted from a PDF. `key` folds all of them, so an import never creates a unit twice and a
//! group never becomes a pseudo-unit.

use super::OrgKind;
use unicode_normalization::UnicodeNormalization;

/// The name folded for comparison: NFKC (full-width brackets and digits become ASCII), no white
/// space, and 人民政府 read as 政府.
pub fn key(name: &str) -> String {
    let folded: String = name.nfkc().filter(|c| !c.is_whitespace()).collect();
    folded.replace("人民政府", "政府")
}

/// The name as it is stored and shown: NFKC, trimmed, inner runs of white space dropped, with
/// the Chinese full-width brackets a plan prints.
pub fn display(name: &str) -> String {
    let folded: String = name.nfkc().filter(|c| !c.is_whitespace()).collect();
    folded.replace('(', "（").replace(')', "）")
}

/// What a plan's unit column can name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Named {
    /// One unit.
    Unit,
    /// Every county-level government of the city (各县（市、区）人民政府 and its spellings):
    /// each fixes its own part (属地责任).
    CountyGovernments,
    /// A list the office keeps under this key (市直有关部门, 各有关单位, 各成员单位 …).
    Listed(String),
}

/// Whether `name` is one unit or a group, and which.
pub fn named(name: &str) -> Named {
    let key = key(name);
    let Some(rest) = key.strip_prefix('各') else {
        return if is_listed_group(&key) {
            Named::Listed(key)
        } else {
            Named::Unit
        };
    };
    if is_county_group(rest) {
        Named::CountyGovernments
    } else {
        Named::Listed(key)
    }
}

/// `县(市、区)政府`, `县区政府`, `区县政府`, `县(区)政府`, `县市区党委政府` … after 各.
fn is_county_group(rest: &str) -> bool {
    let Some(body) = rest.strip_suffix("政府") else {
        return false;
    };
    let body = without_party_committee(body);
    let levels: String = body
        .chars()
        .filter(|c| !matches!(c, '(' | ')' | '、' | ',' | '/'))
        .collect();
    !levels.is_empty()
        && levels.contains('县')
        && levels.chars().all(|c| matches!(c, '县' | '市' | '区'))
}

/// `X党委、政府` and `X党委政府` name the same body as `X政府`.
fn without_party_committee(place: &str) -> &str {
    let place = place.trim_end_matches(['、', ',']);
    place.strip_suffix("党委").unwrap_or(place)
}

/// Group names that do not start with 各: 市直有关部门, 有关县区政府 stay lists the office keeps.
fn is_listed_group(key: &str) -> bool {
    ["有关", "相关", "成员单位"].iter().any(|w| key.contains(w))
}

/// The kind a unit's name implies, `city` being the city's own name (河安市): a 县/区/市
/// government is a county or district (a county-level city counts as a county), a 管委会 a zone,
/// anything else a department.
pub fn kind_of(name: &str, city: Option<&str>) -> OrgKind {
    let key = key(name);
    if key.contains("管委会") {
        return OrgKind::Zone;
    }
    let Some(place) = key.strip_suffix("政府") else {
        return OrgKind::Department;
    };
    let place = without_party_committee(place);
    let is_city = city.is_some_and(|c| {
        let city = key_of_place(c);
        place == city || place == format!("{city}市")
    });
    match place.chars().last() {
        _ if is_city => OrgKind::City,
        Some('区') => OrgKind::District,
        Some('县' | '市' | '旗') => OrgKind::County,
        _ => OrgKind::Department,
    }
}

/// A city's name without its 人民政府/政府, as `kind_of` compares it.
fn key_of_place(city: &str) -> String {
    let key = key(city);
    key.strip_suffix("政府").unwrap_or(&key).to_string()
}

/// The city a plan's title names (`河安市“回头看”整改方案` → 河安市), for the root of a tree
/// that does not exist yet.
pub fn city_in_title(title: &str) -> Option<String> {
    let title = display(title);
    let title = title.strip_prefix("中共").unwrap_or(&title);
    let end = title.find('市')?;
    let place = &title[..end];
    let chars = place.chars().count();
    ((2..=6).contains(&chars)
        && place
            .chars()
            .all(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)))
    .then(|| format!("{place}市"))
}

/// A complaint's 行政区域 as the ledger keys regions: NFKC, no white space, and without the
/// province's or city's name in front of a county-level one (`河安市城关区` → `城关区`); a
/// county-level city keeps its own 市 (`河安市临江市` → `临江市`, `临江市` stays).
pub fn region(text: &str) -> String {
    let mut name: &str = &display(text);
    for level in ['省', '市', '州', '盟'] {
        let Some(at) = name.find(level) else {
            continue;
        };
        let (place, rest) = (&name[..at], &name[at + level.len_utf8()..]);
        let county_level = rest.chars().count() >= 2 && rest.ends_with(['县', '区', '市', '旗']);
        let place_chars = place.chars().count();
        if county_level
            && (2..=6).contains(&place_chars)
            && !place.contains(['县', '区', '镇', '乡'])
        {
            name = rest;
        }
    }
    name.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_lose_the_city_but_a_county_level_city_keeps_its_own() {
        assert_eq!(region("河安市城关区"), "城关区");
        assert_eq!(region(" 河安市 北岭县"), "北岭县");
        assert_eq!(region("河安市临江市"), "临江市");
        assert_eq!(region("临江市"), "临江市");
        assert_eq!(region("河北省河安市城关区"), "城关区");
        assert_eq!(region("河安市"), "河安市");
        assert_eq!(region("河安化工园区"), "河安化工园区");
        assert_eq!(region("城关区\u{3000}"), "城关区");
    }

    #[test]
    fn every_spelling_of_the_county_governments_is_one_group() {
        for name in [
            "各县（市、区）人民政府",
            "各县(市、区)人民政府",
            "各县（市、区）政府",
            "各县（区）政府",
            "各县(区)人民政府",
            "各县区政府",
            "各区县政府",
            "各县市区政府",
            "各县（市、区）党委、政府",
            " 各县（市、区） 人民政府 ",
        ] {
            assert_eq!(named(name), Named::CountyGovernments, "{name}");
        }
    }

    #[test]
    fn other_groups_are_lists_the_office_keeps() {
        for name in ["市直有关部门", "各有关单位", "各成员单位", "市直相关部门"]
        {
            assert!(matches!(named(name), Named::Listed(_)), "{name}");
        }
        assert_eq!(named("各有关单位"), named("各有关单位 "));
        for name in ["市生态环境局", "北岭县人民政府", "河安化工园区管委会"] {
            assert_eq!(named(name), Named::Unit, "{name}");
        }
    }

    #[test]
    fn spellings_of_one_unit_share_a_key() {
        assert_eq!(key("北岭县人民政府"), key("北岭县政府"));
        assert_eq!(
            key("市城管局（市城市管理综合执法局）"),
            key("市城管局(市城市管理综合执法局)")
        );
        assert_ne!(key("北岭县政府"), key("南川县政府"));
        assert_eq!(display("市城管局(执法局) "), "市城管局（执法局）");
    }

    #[test]
    fn the_city_comes_from_the_title() {
        assert_eq!(
            city_in_title("河安市“回头看”整改方案").as_deref(),
            Some("河安市")
        );
        assert_eq!(
            city_in_title("中共临溪市委 临溪市人民政府关于…").as_deref(),
            Some("临溪市")
        );
        assert_eq!(city_in_title("整改方案"), None);
    }

    #[test]
    fn kinds_follow_the_name() {
        let city = Some("河安市");
        assert_eq!(kind_of("北岭县人民政府", city), OrgKind::County);
        assert_eq!(kind_of("城关区政府", city), OrgKind::District);
        assert_eq!(
            kind_of("临溪市人民政府", city),
            OrgKind::County,
            "a county-level city"
        );
        assert_eq!(kind_of("河安市人民政府", city), OrgKind::City);
        assert_eq!(kind_of("河安化工园区管委会", city), OrgKind::Zone);
        assert_eq!(kind_of("市生态环境局", city), OrgKind::Department);
        assert_eq!(kind_of("市发改委", city), OrgKind::Department);
        assert_eq!(kind_of("临溪市人民政府", None), OrgKind::County);
    }
}
