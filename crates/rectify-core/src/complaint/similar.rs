//! Suggestions for a person to confirm: an earlier complaint about the same site and problem
//! (a 重复件), and a plan item whose named site the complaint is about.
//!
//! Both are heuristics tuned on a realistic transfer list (see the fixture test in
//! `rectify-io`): a site is a village or community named with its township ("孙庄乡王楼村") or
//! a named enterprise; the problem is a facility kind ("搅拌站", "碎石/石料") or, failing that,
//! the overlap of the two texts' character pairs. Complaints about different facilities in the
//! same village are not duplicates.

use std::collections::{BTreeSet, HashMap};

/// Facility kinds: the words in one group name the same kind of polluter.
const FACILITY_KINDS: &[&[&str]] = &[
    &["搅拌站", "混凝土"],
    &["碎石", "石料", "破碎", "采石", "石子"],
    &["垃圾坑", "垃圾场", "焚烧垃圾", "烧垃圾", "垃圾堆"],
    &["养猪", "猪场", "生猪", "猪粪"],
    &["养牛", "牛场", "牛粪"],
    &["养鸡", "鸡场", "鸡粪"],
    &["砖厂", "砖窑", "烧砖"],
    &["电镀"],
    &["洗涤"],
    &["喷漆", "家具厂"],
    &["烧烤", "油烟", "饭店", "餐馆"],
    &["采砂", "挖沙", "挖砂"],
    &["沥青"],
    &["豆腐", "豆制品", "豆芽"],
    &["废品", "收购站"],
    &["炼油", "轮胎"],
    &["鞣制", "皮毛", "制革"],
    &["停车场", "货车", "鸣笛"],
    &["锯木", "木材", "板材"],
    &["化粪池", "污水外溢"],
];

/// Texts about the same site without a shared facility word are duplicates only above this
/// overlap of character pairs.
const SAME_SITE_TEXT_OVERLAP: Overlap = Overlap(20);
/// A complaint at a plan item's named site is about the item's problem only above this
/// overlap (the item texts are short; the fixture's matches are ≥ 0.10, its near misses ≤ 0.083).
const PLAN_ITEM_TEXT_OVERLAP: Overlap = Overlap(9);

/// The Dice coefficient of two texts' Han character pairs, in hundredths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Overlap(pub u32);

impl Overlap {
    pub fn of(a: &str, b: &str) -> Overlap {
        Overlap::between(&Pairs::of(a), &Pairs::of(b))
    }

    fn between(a: &Pairs, b: &Pairs) -> Overlap {
        let total = a.0.len() + b.0.len();
        if total == 0 {
            return Overlap(0);
        }
        Overlap(u32::try_from(200 * a.shared_with(b) / total).unwrap_or(0))
    }
}

fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

/// A text's distinct Han character pairs, sorted: found once per text, then counted against
/// another text's in one merge.
#[derive(Debug, Clone, Default)]
struct Pairs(Vec<(char, char)>);

impl Pairs {
    fn of(text: &str) -> Pairs {
        let han: Vec<char> = text.chars().filter(|&c| is_han(c)).collect();
        let mut pairs: Vec<(char, char)> = han.windows(2).map(|w| (w[0], w[1])).collect();
        pairs.sort_unstable();
        pairs.dedup();
        Pairs(pairs)
    }

    fn shared_with(&self, other: &Pairs) -> usize {
        let (mut a, mut b) = (self.0.iter().peekable(), other.0.iter().peekable());
        let mut shared = 0;
        while let (Some(x), Some(y)) = (a.peek(), b.peek()) {
            match x.cmp(y) {
                std::cmp::Ordering::Less => _ = a.next(),
                std::cmp::Ordering::Greater => _ = b.next(),
                std::cmp::Ordering::Equal => {
                    shared += 1;
                    a.next();
                    b.next();
                }
            }
        }
        shared
    }
}

/// The sites a text names: "X镇Y村"-style places and named enterprises.
pub fn sites(text: &str) -> BTreeSet<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut found = BTreeSet::new();
    for (end, _) in chars.iter().enumerate() {
        if let Some(site) =
            place_ending_at(&chars, end).or_else(|| enterprise_ending_at(&chars, end))
        {
            found.insert(site);
        }
    }
    found
}

const TOWNSHIP_MARKERS: &[&str] = &["镇", "乡", "街道"];
const PLACE_SUFFIXES: &[&str] = &["村", "社区", "小区"];

fn ends_with_at(chars: &[char], end: usize, word: &str) -> bool {
    let word: Vec<char> = word.chars().collect();
    end + 1 >= word.len() && chars[end + 1 - word.len()..=end] == word[..]
}

/// "孙庄乡王楼村" when `chars[..=end]` ends with a place suffix that follows a township of at
/// most four characters and a name of at most four.
fn place_ending_at(chars: &[char], end: usize) -> Option<String> {
    let suffix = PLACE_SUFFIXES
        .iter()
        .find(|s| ends_with_at(chars, end, s))?;
    let name_end = end + 1 - suffix.chars().count();
    let plain = |c: &char| is_han(*c) && !"村区县市镇乡的，".contains(*c);
    for name_start in (name_end.saturating_sub(4)..name_end).rev() {
        if !chars[name_start..name_end].iter().all(plain) {
            break;
        }
        let Some(marker) = TOWNSHIP_MARKERS
            .iter()
            .find(|m| name_start > 0 && ends_with_at(chars, name_start - 1, m))
        else {
            continue;
        };
        let marker_start = name_start - marker.chars().count();
        let town_start = (marker_start.saturating_sub(4)..marker_start)
            .find(|&s| chars[s..marker_start].iter().all(plain))
            .unwrap_or(marker_start);
        if town_start < marker_start {
            return Some(chars[town_start..=end].iter().collect());
        }
    }
    None
}

/// "瑞丰精细化工有限公司": a company named before 公司, back to the city's name or a break.
fn enterprise_ending_at(chars: &[char], end: usize) -> Option<String> {
    if end < 1 || chars[end - 1..=end] != ['公', '司'] {
        return None;
    }
    let mut start = end - 1;
    while start > 0 && is_han(chars[start - 1]) && !"的在市县区，、".contains(chars[start - 1])
    {
        start -= 1;
    }
    let name = &chars[start..end - 1];
    (name.len() >= 2 && !name.iter().any(|c| REFERRING.contains(*c)))
        .then(|| chars[start..=end].iter().collect())
}

/// "该公司", "这家公司": a reference back, not a name.
const REFERRING: &str = "该这此其家";

fn facility_kinds(text: &str) -> BTreeSet<usize> {
    FACILITY_KINDS
        .iter()
        .enumerate()
        .filter(|(_, words)| words.iter().any(|w| text.contains(w)))
        .map(|(i, _)| i)
        .collect()
}

/// A complaint as the suggestions see it: its sites and facility kinds are found once, when
/// it is described, not again for every complaint it is compared with.
#[derive(Debug, Clone)]
pub struct Described {
    region: Option<String>,
    text: String,
    pairs: Pairs,
    sites: BTreeSet<String>,
    kinds: BTreeSet<usize>,
}

impl Described {
    pub fn new(region: Option<&str>, text: &str) -> Described {
        Described {
            region: region.map(str::to_string),
            text: text.to_string(),
            pairs: Pairs::of(text),
            sites: sites(text),
            kinds: facility_kinds(text),
        }
    }
}

/// Earlier complaints (or register entries), indexed by the sites they name, so that a new one
/// is compared only with those sharing a site: a province's tens of thousands of complaints
/// are not compared pairwise. Positions are stable; a taken one stays empty.
#[derive(Debug, Clone, Default)]
pub struct Earlier {
    described: Vec<Option<Described>>,
    by_site: HashMap<String, Vec<usize>>,
}

impl Earlier {
    /// Adds one after all the others; returns its position.
    pub fn push(&mut self, described: Described) -> usize {
        let position = self.described.len();
        for site in &described.sites {
            self.by_site.entry(site.clone()).or_default().push(position);
        }
        self.described.push(Some(described));
        position
    }

    /// Takes one out, so that it is never suggested again.
    pub fn take(&mut self, position: usize) -> Option<Described> {
        let described = self.described.get_mut(position)?.take()?;
        for site in &described.sites {
            if let Some(positions) = self.by_site.get_mut(site) {
                positions.retain(|&p| p != position);
            }
        }
        Some(described)
    }

    /// The earlier one `later` most likely repeats, by its position (see [`duplicate_of`]).
    pub fn duplicate_of(&self, later: &Described) -> Option<(usize, Likeness)> {
        let mut candidates: Vec<usize> = later
            .sites
            .iter()
            .filter_map(|site| self.by_site.get(site))
            .flatten()
            .copied()
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        let earlier = candidates
            .into_iter()
            .filter_map(|p| Some((p, self.described.get(p)?.as_ref()?)));
        duplicate_of(later, earlier)
    }
}

impl Extend<Described> for Earlier {
    fn extend<I: IntoIterator<Item = Described>>(&mut self, described: I) {
        for d in described {
            self.push(d);
        }
    }
}

/// Why two complaints look like one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Likeness {
    pub site: String,
    pub overlap: Overlap,
}

/// The earlier complaint `later` most likely repeats: same region (or one unknown), a shared
/// site, and the same kind of facility (or, when neither names one, similar text).
pub fn duplicate_of<'a>(
    later: &Described,
    earlier: impl IntoIterator<Item = (usize, &'a Described)>,
) -> Option<(usize, Likeness)> {
    if later.sites.is_empty() {
        return None;
    }
    earlier
        .into_iter()
        .filter(|(_, e)| match (&e.region, &later.region) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        })
        .filter_map(|(index, e)| {
            // The cheap test first: most complaints at a busy site are about other facilities,
            // and their text overlap is never needed.
            let named_kinds = !(e.kinds.is_empty() && later.kinds.is_empty());
            if named_kinds && e.kinds.is_disjoint(&later.kinds) {
                return None;
            }
            let overlap = Overlap::between(&e.pairs, &later.pairs);
            if !named_kinds && overlap < SAME_SITE_TEXT_OVERLAP {
                return None;
            }
            let site = e.sites.intersection(&later.sites).next()?.clone();
            Some((index, Likeness { site, overlap }))
        })
        .max_by_key(|(index, likeness)| (likeness.overlap, std::cmp::Reverse(*index)))
}

/// The places a plan item's problem names ("河安化工园区", "东沙河", "南川水库").
fn item_sites(problem: &str) -> BTreeSet<String> {
    const SUFFIXES: &[&str] = &["园区", "水库", "河", "湖", "填埋场", "垃圾场", "公司", "矿"];
    let chars: Vec<char> = problem.chars().collect();
    let mut found = BTreeSet::new();
    for end in 0..chars.len() {
        for suffix in SUFFIXES {
            if !ends_with_at(&chars, end, suffix) {
                continue;
            }
            let len = suffix.chars().count();
            let mut start = end + 1 - len;
            while start > 0
                && is_han(chars[start - 1])
                && !"县市镇乡的在，、".contains(chars[start - 1])
                && end - start < 12
            {
                if chars[start - 1] == '区' && suffix != &"园区" {
                    break;
                }
                start -= 1;
            }
            let name = &chars[start..end + 1 - len];
            if name.len() > 1 && !name.iter().any(|c| REFERRING.contains(*c)) {
                found.insert(chars[start..=end].iter().collect());
            }
        }
    }
    found
}

/// A plan item's problem with the sites it names, found once.
#[derive(Debug, Clone)]
pub struct ItemSites {
    problem: String,
    pairs: Pairs,
    sites: BTreeSet<String>,
}

impl ItemSites {
    pub fn new(problem: &str) -> ItemSites {
        ItemSites {
            problem: problem.to_string(),
            pairs: Pairs::of(problem),
            sites: item_sites(problem),
        }
    }

    /// The item's site, when the complaint is about the item's problem there: the text names
    /// the site, names no enterprise of its own, and shares enough of the item's wording.
    pub fn about(&self, complaint: &Described) -> Option<String> {
        let site = self
            .sites
            .iter()
            .find(|s| complaint.text.contains(s.as_str()))?;
        let names_other_enterprise = complaint
            .sites
            .iter()
            .any(|s| s.ends_with("公司") && !self.problem.contains(s.as_str()));
        let close = Overlap::between(&complaint.pairs, &self.pairs) >= PLAN_ITEM_TEXT_OVERLAP;
        (!names_other_enterprise && close).then(|| site.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_need_their_township() {
        let found = sites("北岭县上庄镇后河村东头的垃圾坑，村里的生活垃圾都往里倒");
        assert_eq!(found.into_iter().collect::<Vec<_>>(), vec!["上庄镇后河村"]);
        let found = sites("城关区西关街道西关村一处废品收购站");
        assert_eq!(
            found.into_iter().collect::<Vec<_>>(),
            vec!["西关街道西关村"]
        );
        assert!(sites("附近村民反映，村里道路").is_empty());
        let found = sites("河安化工园区纬二路南侧的河安市瑞丰精细化工有限公司，利用");
        assert_eq!(
            found.into_iter().collect::<Vec<_>>(),
            vec!["瑞丰精细化工有限公司"]
        );
    }

    #[test]
    fn same_village_same_facility_is_a_duplicate_other_facility_is_not() {
        let first = "丰乐县孙庄乡王楼村西的一家石料破碎厂（老板王某），破碎机噪声很大";
        let again = "丰乐县孙庄乡王楼村西边的碎石厂白天黑夜都在生产";
        let other = "丰乐县孙庄乡王楼村的一家养牛场，牛粪露天堆放";
        let described = |text| Described::new(Some("丰乐县"), text);
        let known = [described(first), described(other)];
        let earlier = || known.iter().enumerate();
        let (index, likeness) = duplicate_of(&described(again), earlier()).unwrap();
        assert_eq!((index, likeness.site.as_str()), (0, "孙庄乡王楼村"));
        let unrelated = described("丰乐县孙庄乡王楼村的一家家具厂喷漆");
        assert_eq!(duplicate_of(&unrelated, earlier()), None);
        let elsewhere = Described::new(Some("南川县"), again);
        assert_eq!(duplicate_of(&elsewhere, earlier()), None);
    }

    #[test]
    fn item_sites_and_matches() {
        let item =
            "城关区东沙河黑臭问题久拖不决。东沙河城区段沿线14个排污口污水直排，河道底泥淤积严重";
        assert!(
            item_sites(item).contains("东沙河"),
            "{:?}",
            item_sites(item)
        );
        let about =
            "城关区东沙河解放路桥至建设路桥河段，河水发黑发臭，沿岸有多个排污口常年向河内排放污水";
        let about_item =
            |complaint, problem| ItemSites::new(problem).about(&Described::new(None, complaint));
        assert_eq!(about_item(about, item).as_deref(), Some("东沙河"));
        let company = "东沙河边的河安市某某食品有限公司排放污水";
        assert_eq!(about_item(company, item), None);
        let firm = "北岭县河安宏达焦化有限公司焦炉烟气脱硫设施滞后，督察期间发现该公司焦炭露天堆存";
        let again =
            "北岭县河安宏达焦化有限公司焦炉又冒黄烟。村民反映该公司脱硫设施时开时停，焦炭露天堆放";
        assert!(
            about_item(again, firm).is_some(),
            "该公司 refers back to the named firm"
        );
    }

    #[test]
    fn overlap_is_symmetric_and_bounded() {
        assert_eq!(Overlap::of("东沙河黑臭", "东沙河黑臭"), Overlap(100));
        assert_eq!(Overlap::of("东沙河", "养猪场"), Overlap(0));
        assert_eq!(Overlap::of("", ""), Overlap(0));
        assert_eq!(
            Overlap::of("甲乙丙", "乙丙丁"),
            Overlap::of("乙丙丁", "甲乙丙")
        );
    }
}
