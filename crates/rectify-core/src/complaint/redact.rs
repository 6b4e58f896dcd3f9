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
    /// A WeChat or QQ account.
    Account,
    /// A string the office listed (a contact, a name the rules did not find).
    Listed,
}

impl Private {
    pub fn label_zh(self) -> &'static str {
        match self {
            Private::Name => "人名",
            Private::Phone => "电话号码",
            Private::IdNumber => "身份证号",
            Private::Account => "社交账号",
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

/// Words a person's name follows: complainants' introducers, roles and titles (an official in
/// a role is kept through the people list, `Policy::officials`), relations, and the words that
/// give a name.
const INTRODUCERS: &[&str] = &[
    // Complainants.
    "举报人",
    "投诉人",
    "来电人",
    "来信人",
    "反映人",
    "联系人",
    "当事人",
    "村民",
    "居民",
    "业主",
    "群众",
    "市民",
    "住户",
    "租户",
    "户主",
    "房东",
    "本人",
    // Roles and titles.
    "组长",
    "队长",
    "村长",
    "镇长",
    "乡长",
    "县长",
    "区长",
    "市长",
    "局长",
    "所长",
    "站长",
    "厂长",
    "场长",
    "科长",
    "处长",
    "股长",
    "院长",
    "校长",
    "社长",
    "班长",
    "店长",
    "园长",
    "部长",
    "河长",
    "主任",
    "书记",
    "委员",
    "主席",
    "会计",
    "出纳",
    "代表",
    "老板",
    "老板娘",
    "经理",
    "董事长",
    "负责人",
    "法人",
    "代表人",
    "实际控制人",
    "承包人",
    "包工头",
    "股东",
    "老总",
    "老师",
    "医生",
    "师傅",
    "司机",
    "保安",
    "网格员",
    "管理员",
    "保洁员",
    "工人",
    "员工",
    "职工",
    "店主",
    "摊主",
    "场主",
    "同志",
    "先生",
    "女士",
    // Relations.
    "父亲",
    "母亲",
    "儿子",
    "女儿",
    "丈夫",
    "妻子",
    "爱人",
    "老婆",
    "老公",
    "哥哥",
    "姐姐",
    "弟弟",
    "妹妹",
    "爷爷",
    "奶奶",
    "外公",
    "外婆",
    "孙子",
    "孙女",
    "侄子",
    "女婿",
    "儿媳",
    "邻居",
    "亲戚",
    "朋友",
    "同事",
    "同学",
    "家属",
    "家长",
    "学生",
    "孩子",
    "老人",
    "大爷",
    "大妈",
    "阿姨",
    "叔叔",
    "大哥",
    "大姐",
    // Words that give a name.
    "姓名",
    "名叫",
    "名字",
];
/// Words a name may follow that also begin ordinary phrases ("是蓝色的", "叫停"), so they do not
/// make a candidate on their own.
const WEAK_INTRODUCERS: &[&str] = &["叫", "是"];
/// Words that may directly follow a person's name.
const AFTER_NAME: &[&str] = &[
    "来信", "来电", "反映", "等", "的", "称", "说", "联名", "可以", "希望", "表示", "电话", "举报",
    "投诉", "要求", "请求", "负责", "手机", "联系", "自称", "介绍", "同志", "先生", "女士", "夫妇",
    "一家", "本人", "家属", "多次", "经常", "曾", "也", "已", "在", "和", "与", "及", "对", "向",
    "于", "被", "住", "带", "讲", "告诉", "同意", "拒绝", "承认", "身份", "微信", "座机", "家住",
    "年龄", "性别",
];
/// Characters that do not occur in a given name, where a name found by the rules ends: function
/// words, and the places and things a text goes on to describe ("是石料厂", "是白色的").
const NOT_IN_NAMES: &str = "的了们是在和与及或有个这那里上下不也都就说要会对过把被让给从向到等之其所为以而\
但如称来去进出已未没很再又还只将用做作请求多次每住带于讲打曾色厂场站司店村镇乡县区市省路街沟渠料烟尘味声污\
粪油煤灰泥粉砂渣水废塑砖瓦土板材沫房屋仅楼院门口边旁内外时号处局办部委队组科股室块片条些位某";
const SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶\
程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔汤常\
温康施牛樊葛邢齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿兰焦俞左柳祝包宁尚舒阮柯纪梅童凌毕单季裴霍涂苗谷盛曲翁冉骆蓝游辛\
靳柴蒙鲍喻祁蒲房滕屈饶牟艾尤穆卓吉缪简项芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂佟臧闵苟邬卞姬师仇栾隋刁荣巫寇桑\
郎甄丛仲虞敖巩佘池查麻迟邝";

fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

/// The private persons named in `text`: after an introducer, role, title or relation word, and
/// the names listed after one ("张建设、王秀兰等"). `officials` are not private persons.
pub fn complainant_names(text: &str, officials: &[String]) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut names = Vec::new();
    for introducer in INTRODUCERS.iter().chain(WEAK_INTRODUCERS) {
        let word: Vec<char> = introducer.chars().collect();
        let mut at = 0;
        while let Some(offset) = find(&chars[at..], &word) {
            let mut next = at + offset + word.len();
            if matches!(chars.get(next), Some('：' | ':' | ' ' | '　')) {
                next += 1;
            }
            loop {
                if let Some(official) = official_at(&chars, next, officials) {
                    next += official;
                } else if let Some(len) = name_at(&chars, next) {
                    names.push(chars[next..next + len].iter().collect());
                    next += len;
                } else {
                    break;
                }
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

fn starts_with(chars: &[char], at: usize, word: &str) -> bool {
    chars.get(at..).is_some_and(|rest| {
        rest.iter()
            .copied()
            .take(word.chars().count())
            .eq(word.chars())
    })
}

fn follows_name(chars: &[char], at: usize) -> bool {
    AFTER_NAME.iter().any(|w| starts_with(chars, at, w))
}

/// The length of an official's name starting at `start`, if one does.
fn official_at(chars: &[char], start: usize, officials: &[String]) -> Option<usize> {
    officials
        .iter()
        .filter(|o| !o.is_empty() && starts_with(chars, start, o))
        .map(|o| o.chars().count())
        .max()
}

/// The length (2 or 3) of a personal name starting at `start`, if one does: a surname and one
/// or two characters that occur in given names, ending where the text does, at a non-Han
/// character or at a word that follows names ("村民房屋仅一百米" names no one).
fn name_at(chars: &[char], start: usize) -> Option<usize> {
    if !SURNAMES.contains(*chars.get(start)?) {
        return None;
    }
    let mut len = 1;
    while len < 3 {
        let at = start + len;
        match chars.get(at) {
            Some(&c) if is_han(c) && !NOT_IN_NAMES.contains(c) && !follows_name(chars, at) => {
                len += 1
            }
            _ => break,
        }
    }
    if len < 2 {
        return None;
    }
    let ends = |len: usize| {
        let at = start + len;
        chars.get(at).is_none_or(|&c| !is_han(c)) || follows_name(chars, at)
    };
    match len {
        _ if ends(len) => Some(len),
        3 if ends(2) => Some(2),
        _ => None,
    }
}

/// Words after a name that say it is a person's (narrower than `AFTER_NAME`, which also holds
/// words that follow any noun), for the candidates.
const PERSON_AFTER: &[&str] = &[
    "来信", "来电", "反映", "举报", "投诉", "称", "表示", "联名", "自称", "同志", "先生", "女士",
    "夫妇", "本人", "家属", "等人",
];

/// Strings the rules did not take for names but that look like one next to a person word: a
/// surname and one or two more Han characters after an introducer or before a word that says
/// a person is meant. The preview lists them for the office to confirm or hide.
pub fn candidates(text: &str, officials: &[String]) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut found = Vec::new();
    for start in 0..chars.len() {
        if !SURNAMES.contains(chars[start]) || official_at(&chars, start, officials).is_some() {
            continue;
        }
        let introduced = INTRODUCERS.iter().any(|w| {
            chars[..start]
                .iter()
                .rev()
                .copied()
                .take(w.chars().count())
                .eq(w.chars().rev())
        });
        for len in [3, 2] {
            let Some(name) = chars.get(start..start + len) else {
                continue;
            };
            if !name[1..]
                .iter()
                .all(|&c| is_han(c) && !NOT_IN_NAMES.contains(c))
            {
                continue;
            }
            let person_after = PERSON_AFTER
                .iter()
                .any(|w| starts_with(&chars, start + len, w));
            if introduced || person_after {
                found.push(name.iter().collect());
                break;
            }
        }
    }
    found.sort();
    found.dedup();
    found
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
    officials: Vec<String>,
}

/// What the office reviews before approving, each with where it is: every replacement made, and
/// every remaining candidate name (`candidates`) to confirm or hide.
#[derive(Debug, Clone, Default)]
pub struct Review {
    pub replacements: Vec<(String, Replacement)>,
    pub candidates: Vec<(String, String)>,
}

impl Redactor {
    /// A redactor for one record: the names introduced in its texts (but the officials'), the
    /// strings the office listed, and the private contact of the complainant.
    pub fn for_record<'a>(texts: impl IntoIterator<Item = &'a str>, policy: &Policy) -> Redactor {
        let mut entries: Vec<(Private, String)> = texts
            .into_iter()
            .flat_map(|t| complainant_names(t, &policy.officials))
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
        Redactor {
            listed: entries,
            officials: policy.officials.clone(),
        }
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

    /// `apply`, noting the replacements and the candidates left in the result under `place`.
    pub fn review(&self, text: &str, place: &str, review: &mut Review) -> String {
        let (clean, replaced) = self.apply(text);
        let place = place.to_string();
        review
            .replacements
            .extend(replaced.into_iter().map(|r| (place.clone(), r)));
        review.candidates.extend(
            candidates(&clean, &self.officials)
                .into_iter()
                .map(|c| (place.clone(), c)),
        );
        clean
    }
}

/// "陈小军" → "陈某".
fn anonymous(name: &str) -> String {
    let mut out: String = name.chars().take(1).collect();
    out.push('某');
    out
}

/// Phone numbers, identity numbers, chat accounts and house numbers.
fn redact_numbers(text: &str) -> (String, Vec<Replacement>) {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut replacements = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        // The word before a chat account stays; the account goes.
        let (i_word, found) = match account_at(&chars, i) {
            Some((word, id)) => (i + word, Some((id, Private::Account))),
            None => (i, private_number_at(&chars, i)),
        };
        out.extend(&chars[i..i_word]);
        i = i_word;
        let Some((len, kind)) = found else {
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

/// The digit a character stands for, half- or full-width.
fn digit(c: char) -> Option<u32> {
    match c {
        '0'..='9' => c.to_digit(10),
        '０'..='９' => Some(c as u32 - '０' as u32),
        _ => None,
    }
}

fn is_digit(c: Option<&char>) -> bool {
    c.is_some_and(|&c| digit(c).is_some())
}

/// What may stand between the groups of one number: "138-3756-1294", "138 3756 1294".
fn is_separator(c: char) -> bool {
    matches!(c, '-' | ' ' | '－' | '—' | '–' | '　' | '.' | '·')
}

/// The words a chat account follows, longest first.
const ACCOUNT_WORDS: &[&str] = &[
    "微信号",
    "微信",
    "QQ号",
    "QQ",
    "qq号",
    "qq",
    "ＱＱ",
    "扣扣",
    "WeChat",
    "wechat",
];

/// A chat account after its word ("微信：zhang_san88", "QQ 123456789"): the lengths of the word
/// (with what joins it to the account) and of the account.
fn account_at(chars: &[char], start: usize) -> Option<(usize, usize)> {
    let word = ACCOUNT_WORDS
        .iter()
        .find(|w| starts_with(chars, start, w))?;
    let mut at = start + word.chars().count();
    while matches!(
        chars.get(at),
        Some('：' | ':' | ' ' | '　' | '号' | '是' | '为')
    ) {
        at += 1;
    }
    let id = chars[at..]
        .iter()
        .take_while(|&&c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-') || digit(c).is_some())
        .count();
    (id >= 5).then_some((at - start, id))
}

/// The digit groups of a number starting at `start`: each group's digit count, and the length
/// in characters of the whole.
fn groups(chars: &[char], start: usize) -> (Vec<usize>, usize) {
    let mut groups = Vec::new();
    let mut at = start;
    loop {
        let run = chars[at..]
            .iter()
            .take_while(|&&c| digit(c).is_some())
            .count();
        groups.push(run);
        at += run;
        match chars.get(at) {
            Some(&c) if is_separator(c) && is_digit(chars.get(at + 1)) => at += 1,
            _ => return (groups, at - start),
        }
    }
}

fn private_number_at(chars: &[char], start: usize) -> Option<(usize, Private)> {
    if start > 0 && (is_digit(chars.get(start - 1)) || chars[start - 1] == '-') {
        return None;
    }
    // "+86 138 3756 1294", "0086-13837561294": the country code goes with the number.
    for prefix in ["+86", "＋86", "＋８６", "0086"] {
        if starts_with(chars, start, prefix) {
            let mut at = start + prefix.chars().count();
            if chars.get(at).is_some_and(|&c| is_separator(c)) {
                at += 1;
            }
            if let Some((len, Private::Phone)) = separated_number(chars, at) {
                return Some((at - start + len, Private::Phone));
            }
        }
    }
    // "(0391)6152287", "（0391）615 2287".
    if matches!(chars[start], '(' | '（') {
        let area = chars[start + 1..]
            .iter()
            .take_while(|&&c| digit(c).is_some())
            .count();
        let close = start + 1 + area;
        if (3..=4).contains(&area)
            && digit(chars[start + 1]) == Some(0)
            && matches!(chars.get(close), Some(')' | '）'))
        {
            let mut at = close + 1;
            if chars.get(at).is_some_and(|&c| is_separator(c)) {
                at += 1;
            }
            let (local, len) = groups(chars, at);
            if is_digit(chars.get(at)) && (7..=8).contains(&local.iter().sum::<usize>()) {
                return Some((at - start + len, Private::Phone));
            }
        }
    }
    is_digit(chars.get(start)).then_some(())?;
    separated_number(chars, start).or_else(|| single_number(chars, start))
}

/// A mobile, landline or identity number written in groups: "138-3756-1294", "0391 615 2287",
/// "410302 19800101 123X".
fn separated_number(chars: &[char], start: usize) -> Option<(usize, Private)> {
    let (groups, len) = groups(chars, start);
    let total: usize = groups.iter().sum();
    let first = digit(chars[start])?;
    let second = chars[start + 1..].iter().find_map(|&c| digit(c));
    if first == 1 && total == 11 && second.is_some_and(|d| d >= 3) {
        return Some((len, Private::Phone));
    }
    let area_code = groups.len() == 1 || (3..=4).contains(&groups[0]);
    if first == 0 && area_code && (10..=12).contains(&total) {
        return Some((len, Private::Phone));
    }
    let id_tail = total == 17 && matches!(chars.get(start + len), Some('X' | 'x' | 'Ｘ' | 'ｘ'));
    if total == 18 || (total == 15 && groups.len() > 1) || id_tail {
        return Some((len + usize::from(id_tail), Private::IdNumber));
    }
    None
}

/// One run of digits: an identity number, a phone number, or a house number before its word.
fn single_number(chars: &[char], start: usize) -> Option<(usize, Private)> {
    let digits = chars[start..]
        .iter()
        .take_while(|&&c| digit(c).is_some())
        .count();
    if digits == 15 {
        return Some((digits, Private::IdNumber));
    }
    let after = chars.get(start + digits).copied();
    // A local number without its area code, not a quantity ("罚款20万元").
    if (7..=8).contains(&digits) && after.is_none_or(|c| !is_han(c)) {
        return Some((digits, Private::Phone));
    }
    let unit_words = ["号楼", "号院", "栋", "幢", "单元", "室", "户", "号"];
    let word = unit_words
        .iter()
        .find(|w| starts_with(chars, start + digits, w))?;
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
            assert_eq!(complainant_names(text, &[]), names, "{text}");
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
            assert_eq!(complainant_names(text, &[]), Vec::<String>::new(), "{text}");
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
        let policy = Policy {
            hide: Vec::new(),
            officials: vec!["李明".to_string(), "王建国".to_string()],
        };
        for text in [
            "对望湖镇分管环保工作的副镇长进行约谈，由市生态环境局局长李明负责督办",
            "王建国（副市长）、李明（市生态环境局局长）",
            "副市长王建国、局长李明带队检查",
        ] {
            let redactor = Redactor::for_record([text], &policy);
            assert_eq!(redactor.apply(text).0, text);
            assert_eq!(candidates(text, &policy.officials), Vec::<String>::new());
        }
        assert_eq!(
            redacted("局长李明负责督办"),
            "局长李某负责督办",
            "a name after a title is private unless the people list names an official"
        );
    }

    #[test]
    fn names_after_roles_relations_and_naming_words() {
        let cases = [
            ("该村环保网格组长刘建军多次到现场", "刘建军"),
            ("家长代表孙丽华称孩子咳嗽", "孙丽华"),
            ("老板叫钱大勇，", "钱大勇"),
            ("老板叫钱大勇", "钱大勇"),
            ("姓名：吴晓东，住址不详", "吴晓东"),
            ("举报人是郑小燕。", "郑小燕"),
            ("厂长杨立新在会上说", "杨立新"),
            ("其邻居韩梅反映", "韩梅"),
            ("法定代表人：冯志强", "冯志强"),
        ];
        for (text, name) in cases {
            assert_eq!(complainant_names(text, &[]), vec![name], "{text}");
            assert!(!redacted(text).contains(name), "{text}");
        }
        for text in [
            "有时又是蓝色的",
            "倾倒者是石料厂的",
            "旁边就是王庄村的地",
            "河长公示牌上的电话打不通",
            "对集镇环保所所长进行约谈",
            "家长们对此意见很大",
            "收购站老板姓杨",
            "老板每次都说",
            "法人单位未登记",
            "叫停施工",
        ] {
            assert_eq!(complainant_names(text, &[]), Vec::<String>::new(), "{text}");
        }
    }

    #[test]
    fn numbers_in_every_common_spelling() {
        for (text, want) in [
            ("电话138-3756-1294。", "电话＊＊＊＊。"),
            ("电话138 3756 1294，", "电话＊＊＊＊，"),
            ("电话１３８３７５６１２９４", "电话＊＊＊＊"),
            ("电话+86 138 3756 1294", "电话＊＊＊＊"),
            ("电话＋８６－１３８３７５６１２９４", "电话＊＊＊＊"),
            ("座机(0391)6152287", "座机＊＊＊＊"),
            ("座机（0391）615 2287", "座机＊＊＊＊"),
            ("座机0391 6152287", "座机＊＊＊＊"),
            ("座机0391—6152287", "座机＊＊＊＊"),
            ("身份证号410302198001011234", "身份证号＊＊＊＊"),
            ("身份证号41030219800101123x。", "身份证号＊＊＊＊。"),
            ("身份证410302 19800101 123X", "身份证＊＊＊＊"),
            ("老身份证410302800101123", "老身份证＊＊＊＊"),
            ("微信：zhang_san88，", "微信：＊＊＊＊，"),
            ("微信号13837561294", "微信号＊＊＊＊"),
            ("QQ 123456789", "QQ ＊＊＊＊"),
            ("加他qq号：987654321", "加他qq号：＊＊＊＊"),
        ] {
            assert_eq!(redacted(text), want, "{text}");
        }
        for kept in [
            "2018-06-03交办",
            "拨打12369举报",
            "第1-10项",
            "2018 2019 2020年",
            "PM2.5平均浓度为68微克/立方米",
            "QQ群",
        ] {
            assert_eq!(redacted(kept), kept);
        }
    }

    #[test]
    fn remaining_candidates_are_listed_for_the_review() {
        assert_eq!(
            candidates("据了解，黄海波来电说夜里也施工", &[]),
            vec!["黄海波"]
        );
        assert_eq!(
            candidates("举报人陈某反映＊＊＊＊", &[]),
            Vec::<String>::new()
        );
    }

    /// SplitMix64: a small seeded generator, so the property test needs no dependency and every
    /// failure names a seed that reproduces it.
    struct SplitMix64(u64);

    impl SplitMix64 {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }

        fn pick<'a, T: ?Sized>(&mut self, from: &[&'a T]) -> &'a T {
            from[self.below(from.len())]
        }

        fn digits(&mut self, n: usize) -> String {
            (0..n)
                .map(|_| char::from(b'0' + self.below(10) as u8))
                .collect()
        }
    }

    /// Characters of given names (none of them a word that ends a name).
    const GIVEN: &str = "建国军华明红海东平玉英秀兰梅芳丽伟强刚勇杰涛斌林峰振卫长河小德福文春志新永金成光云\
        霞燕静敏娟婷雪琳晓宇浩然俊鹏飞磊鑫辉";

    /// A name: a surname and one or two given characters.
    fn name(rng: &mut SplitMix64) -> String {
        let surnames: Vec<char> = SURNAMES.chars().collect();
        let given: Vec<char> = GIVEN.chars().filter(|c| !c.is_whitespace()).collect();
        let mut name = String::from(surnames[rng.below(surnames.len())]);
        for _ in 0..1 + rng.below(2) {
            name.push(given[rng.below(given.len())]);
        }
        name
    }

    /// A number in one of its common spellings, and its digits.
    fn number(rng: &mut SplitMix64) -> (String, String) {
        let mobile = format!("1{}{}", 3 + rng.below(7), rng.digits(9));
        let area_len = 2 + rng.below(2);
        let area = format!("0{}", rng.digits(area_len));
        let (lead, local_len) = (2 + rng.below(8), 6 + rng.below(2));
        let local = format!("{lead}{}", rng.digits(local_len));
        let id = format!("{}{}", rng.digits(17), rng.pick(&["X", "x", "0", "7"]));
        let old_id = rng.digits(15);
        let full_width = |s: &str| -> String {
            s.chars()
                .map(|c| char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap_or(c))
                .collect()
        };
        let sep = rng.pick(&["-", " ", "－", "—"]).to_string();
        let written = match rng.below(11) {
            0 => mobile.clone(),
            1 => format!(
                "{}{sep}{}{sep}{}",
                &mobile[..3],
                &mobile[3..7],
                &mobile[7..]
            ),
            2 => full_width(&mobile),
            3 => format!("+86{sep}{mobile}"),
            4 => format!("{area}{sep}{local}"),
            5 => format!("（{area}）{local}"),
            6 => format!("{area}{local}"),
            7 => id.clone(),
            8 => old_id.clone(),
            9 => format!("{}{sep}{}{sep}{}", &id[..6], &id[6..14], &id[14..]),
            _ => format!("{}{sep}{}", &mobile[..3], &mobile[3..]),
        };
        let digits = written
            .chars()
            .filter_map(|c| digit(c).map(|d| char::from(b'0' + d as u8)))
            .collect();
        (written, digits)
    }

    #[test]
    fn property_no_generated_name_or_number_survives() {
        let introducers: Vec<&str> = INTRODUCERS
            .iter()
            .copied()
            .filter(|w| !["同志", "先生", "女士", "本人"].contains(w))
            .collect();
        let before = ["", "据了解，", "经核实，", "当地", "该厂"];
        let after = [
            "反映",
            "来电称",
            "多次到现场",
            "表示",
            "说",
            "，",
            "。",
            "在会上说",
            "等人联名举报",
            "的电话是",
        ];
        for seed in 0..3_000_u64 {
            let mut rng = SplitMix64(seed);
            let person = name(&mut rng);
            let introducer = rng.pick(&introducers).to_string();
            let gap = rng.pick(&["", "：", " "]);
            let text = match rng.below(3) {
                0 => format!(
                    "{}{introducer}{gap}{person}{}",
                    rng.pick(&before),
                    rng.pick(&after)
                ),
                1 => format!(
                    "{}老板叫{person}{}",
                    rng.pick(&before),
                    rng.pick(&["，", "。", "", "反映"])
                ),
                _ => {
                    let other = name(&mut rng);
                    format!("村民{other}、{person}等{}", rng.pick(&after))
                }
            };
            let (number, digits) = number(&mut rng);
            let label = rng.pick(&[
                "电话",
                "手机",
                "联系电话：",
                "身份证号",
                "电话是",
                "（",
                " ",
            ]);
            let text = format!(
                "{text}{label}{number}{}",
                rng.pick(&["", "。", "），", "，请核实"])
            );
            let (clean, _) = Redactor::for_record([text.as_str()], &Policy::default()).apply(&text);
            assert!(
                !clean.contains(&person),
                "seed {seed}: {person} left in {clean}"
            );
            let clean_digits: String = clean.chars().filter(|c| digit(*c).is_some()).collect();
            assert!(
                !clean_digits.contains(&digits[digits.len() - 7..]),
                "seed {seed}: {number} left in {clean}"
            );
        }
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
