//! Redaction before publication: complainants' names, phone numbers, identity numbers and
//! house numbers are removed from every text that leaves for the public portal.
//!
//! Names are recognised where complaints introduce a complainant ("举报人陈小军", "村民赵玉梅来信",
//! "联系人：周红霞", "张建设、王秀兰等"), then removed everywhere in the record. Officials named in
//! their role ("副镇长") are not introduced that way and stay, as published tables keep them.
//! Names already anonymised ("王某", "老板姓杨") are left as they are. The office can add
//! strings of its own, and the preview shows every replacement before anything is published.
//! The org's people list names the officials, who stay wherever they appear: the plan names
//! them in their role ("王建国（副市长）"), and the public is meant to read that.

use serde::Serialize;

/// What kind of private data a replacement removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Private {
    Name,
    Phone,
    IdNumber,
    HouseNumber,
    /// A string the office listed (a contact, a name the rules did not find).
    Listed,
}

impl Private {
    pub fn label_zh(self) -> &'static str {
        match self {
            Private::Name => "人名",
            Private::Phone => "电话号码",
            Private::IdNumber => "身份证号",
            Private::HouseNumber => "门牌号",
            Private::Listed => "指定隐去",
        }
    }
}

/// One replacement, for the review before publishing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Replacement {
    pub kind: Private,
    pub original: String,
    pub replacement: String,
}

const INTRODUCERS: &[&str] = &[
    "举报人",
    "投诉人",
    "来电人",
    "来信人",
    "反映人",
    "联系人",
    "村民",
    "居民",
    "业主",
    "群众",
];
/// Words that may directly follow a complainant's name.
const AFTER_NAME: &[&str] = &[
    "来信", "来电", "反映", "等", "的", "称", "说", "联名", "可以", "希望", "表示", "电话", "举报",
    "投诉", "要求", "请求",
];
const SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶\
程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔汤常\
温康施牛樊葛邢齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿兰焦俞左柳祝包宁尚舒阮柯纪梅童凌毕单季裴霍涂苗谷盛曲翁冉骆蓝游辛\
靳柴蒙鲍喻祁蒲房滕屈饶牟艾尤穆卓吉缪简项芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂佟臧闵苟邬卞姬师仇栾隋刁荣巫寇桑\
郎甄丛仲虞敖巩佘池查麻迟邝";

fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

/// The complainants named in `text`.
pub fn complainant_names(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut names = Vec::new();
    for introducer in INTRODUCERS {
        let word: Vec<char> = introducer.chars().collect();
        let mut at = 0;
        while let Some(offset) = find(&chars[at..], &word) {
            let mut next = at + offset + word.len();
            if matches!(chars.get(next), Some('：' | ':' | ' ')) {
                next += 1;
            }
            while let Some(len) = name_at(&chars, next) {
                names.push(chars[next..next + len].iter().collect());
                next += len;
                if chars.get(next) != Some(&'、') {
                    break;
                }
                next += 1;
            }
            at += offset + 1;
        }
    }
    names.sort();
    names.dedup();
    names
}

fn find(haystack: &[char], needle: &[char]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The length (2 or 3) of a personal name starting at `start`, if one does.
fn name_at(chars: &[char], start: usize) -> Option<usize> {
    let first = *chars.get(start)?;
    if !SURNAMES.contains(first) {
        return None;
    }
    [3, 2].into_iter().find(|&len| {
        let Some(name) = chars.get(start..start + len) else {
            return false;
        };
        if !name.iter().all(|&c| is_han(c)) || name.contains(&'某') {
            return false;
        }
        let rest: String = chars[start + len..].iter().take(2).collect();
        rest.chars().next().is_none_or(|c| !is_han(c))
            || AFTER_NAME.iter().any(|w| rest.starts_with(w))
    })
}

/// The office's part in a redaction: strings to hide besides what the rules find, and the
/// officials (the org's people list), whose names are never taken for a private person's.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    pub hide: Vec<String>,
    pub officials: Vec<String>,
}

impl Policy {
    /// The same policy hiding `more` too (a complaint's own contact).
    pub fn hiding(&self, more: impl IntoIterator<Item = String>) -> Policy {
        let mut policy = self.clone();
        policy.hide.extend(more);
        policy
    }
}

/// Applies the redaction to the texts of one record; the names found in any of them are
/// removed from all of them.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    listed: Vec<(Private, String)>,
}

impl Redactor {
    /// A redactor for one record: the names introduced in its texts (but the officials'), the
    /// strings the office listed, and the private contact of the complainant.
    pub fn for_record<'a>(texts: impl IntoIterator<Item = &'a str>, policy: &Policy) -> Redactor {
        let mut entries: Vec<(Private, String)> = texts
            .into_iter()
            .flat_map(complainant_names)
            .filter(|n| !policy.officials.contains(n))
            .map(|n| (Private::Name, n))
            .collect();
        entries.extend(
            policy
                .hide
                .iter()
                .map(|s| s.trim())
                .filter(|s| s.chars().count() >= 2)
                .map(|s| (Private::Listed, s.to_string())),
        );
        // Longest first, so "王秀兰" goes before a listed "王秀".
        entries.sort_by(|a, b| {
            b.1.chars()
                .count()
                .cmp(&a.1.chars().count())
                .then(a.1.cmp(&b.1))
        });
        entries.dedup_by(|a, b| a.1 == b.1);
        Redactor { listed: entries }
    }

    pub fn apply(&self, text: &str) -> (String, Vec<Replacement>) {
        let mut out = text.to_string();
        let mut replacements = Vec::new();
        for (kind, original) in &self.listed {
            if out.contains(original.as_str()) {
                let replacement = match kind {
                    Private::Name => anonymous(original),
                    _ => "＊＊".to_string(),
                };
                out = out.replace(original.as_str(), &replacement);
                replacements.push(Replacement {
                    kind: *kind,
                    original: original.clone(),
                    replacement,
                });
            }
        }
        let (out, numbers) = redact_numbers(&out);
        replacements.extend(numbers);
        (out, replacements)
    }
}

/// "陈小军" → "陈某".
fn anonymous(name: &str) -> String {
    let mut out: String = name.chars().take(1).collect();
    out.push('某');
    out
}

/// Phone numbers, identity numbers and house numbers.
fn redact_numbers(text: &str) -> (String, Vec<Replacement>) {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut replacements = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let Some((len, kind)) = private_number_at(&chars, i) else {
            out.push(chars[i]);
            i += 1;
            continue;
        };
        let original: String = chars[i..i + len].iter().collect();
        let replacement = match kind {
            Private::HouseNumber => format!("＊＊{}", chars[i + len - 1]),
            _ => "＊＊＊＊".to_string(),
        };
        out.push_str(&replacement);
        replacements.push(Replacement {
            kind,
            original,
            replacement,
        });
        i += len;
    }
    (out, replacements)
}

fn private_number_at(chars: &[char], start: usize) -> Option<(usize, Private)> {
    if start > 0 && (chars[start - 1].is_ascii_digit() || chars[start - 1] == '-') {
        return None;
    }
    let digits = chars[start..]
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count();
    if digits == 0 {
        return None;
    }
    let after = chars.get(start + digits).copied();
    // A landline: 0391-6152287.
    if chars[start] == '0' && (3..=4).contains(&digits) && after == Some('-') {
        let rest = chars[start + digits + 1..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if (7..=8).contains(&rest) {
            return Some((digits + 1 + rest, Private::Phone));
        }
    }
    let id_tail = matches!(after, Some('X' | 'x')) && digits == 17;
    if digits == 18 || digits == 15 || id_tail {
        return Some((digits + usize::from(id_tail), Private::IdNumber));
    }
    let mobile = digits == 11 && chars[start] == '1';
    let landline = chars[start] == '0' && (10..=12).contains(&digits);
    if mobile || landline || (7..=8).contains(&digits) && after.is_none_or(|c| !is_han(c)) {
        return Some((digits, Private::Phone));
    }
    let unit_words = ["号楼", "号院", "栋", "幢", "单元", "室", "户", "号"];
    let rest: String = chars[start + digits..].iter().take(2).collect();
    let word = unit_words.iter().find(|w| rest.starts_with(**w))?;
    Some((digits + word.chars().count(), Private::HouseNumber))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redacted(text: &str) -> String {
        Redactor::for_record([text], &Policy::default())
            .apply(text)
            .0
    }

    #[test]
    fn complainants_are_found_after_their_introducer() {
        let cases = [
            ("举报人陈小军，电话13503812257。", vec!["陈小军"]),
            ("举报人刘振海（电话13837561294）可以带路", vec!["刘振海"]),
            ("石门村村民赵玉梅来信反映，村北", vec!["赵玉梅"]),
            (
                "杨集村村民张建设、王秀兰等多人联名举报",
                vec!["张建设", "王秀兰"],
            ),
            ("联系人：周红霞，0391-6152287。", vec!["周红霞"]),
            ("举报人：马卫东 17739105562", vec!["马卫东"]),
            ("东关村村民王长河来信反映", vec!["王长河"]),
        ];
        for (text, names) in cases {
            assert_eq!(complainant_names(text), names, "{text}");
        }
    }

    #[test]
    fn ordinary_words_and_anonymised_names_are_not_names() {
        for text in [
            "村民反映，作坊白天停产",
            "村民闻到后头晕恶心",
            "居民楼的窗户都被熏黑了",
            "村民称该厂去年被查处过一次",
            "举报人称雨水沟的水颜色每天都不一样",
            "村民王某称",
            "群众多次向督察组反映",
            "业主多次找物业无果",
            "村民向乡里反映",
        ] {
            assert_eq!(complainant_names(text), Vec::<String>::new(), "{text}");
        }
    }

    #[test]
    fn a_found_name_is_removed_everywhere_in_the_record() {
        let description =
            "东关村村民王长河来信反映，村东头的一家豆腐作坊，王长河的电话是15993721680。";
        let result = "已对王长河反映的作坊立案处罚";
        let redactor = Redactor::for_record([description, result], &Policy::default());
        let (text, replaced) = redactor.apply(description);
        assert_eq!(
            text,
            "东关村村民王某来信反映，村东头的一家豆腐作坊，王某的电话是＊＊＊＊。"
        );
        assert_eq!(replaced.len(), 2);
        assert_eq!(redactor.apply(result).0, "已对王某反映的作坊立案处罚");
    }

    #[test]
    fn numbers() {
        assert_eq!(redacted("电话0391-7253318。"), "电话＊＊＊＊。");
        assert_eq!(redacted("身份证41030219800101123X，"), "身份证＊＊＊＊，");
        assert_eq!(
            redacted("住幸福路12号院3号楼2单元501室"),
            "住幸福路＊＊院＊＊楼＊＊元＊＊室"
        );
        assert_eq!(redacted("拨打12369举报"), "拨打12369举报", "hotlines stay");
        for kept in [
            "2018年6月底前完成",
            "第40项",
            "沿线14个排污口",
            "约460箱",
            "罚款20万元",
        ] {
            assert_eq!(redacted(kept), kept);
        }
    }

    #[test]
    fn officials_in_their_role_stay() {
        let text = "对望湖镇分管环保工作的副镇长进行约谈，由市生态环境局局长李明负责督办";
        assert_eq!(redacted(text), text);
    }

    #[test]
    fn listed_strings_are_removed() {
        let policy = Policy {
            hide: vec!["河安市某小区物业经理张三丰".to_string()],
            officials: Vec::new(),
        };
        let redactor = Redactor::for_record(["无"], &policy);
        let (text, replaced) = redactor.apply("据河安市某小区物业经理张三丰介绍");
        assert_eq!(text, "据＊＊介绍");
        assert_eq!(replaced[0].kind, Private::Listed);
    }
}
