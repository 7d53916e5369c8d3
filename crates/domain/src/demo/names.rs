//! Person names for the demo county: a weighted surname table (national
//! frequencies tilted towards southern Jiangxi, where 刘, 陈, 曾, 钟, 谢, 邱,
//! 赖 and 肖 are common), village clan surnames, and given-name characters
//! by gender and generation.

use super::{Weighted, pick, pick_char};
use crate::member::Gender;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// Surnames with rough relative frequencies (per mille).
#[rustfmt::skip]
pub(super) const SURNAMES: &[(&str, u32)] = &[
    ("王", 60), ("李", 65), ("张", 55), ("刘", 70), ("陈", 60), ("杨", 28), ("黄", 32), ("赵", 16),
    ("吴", 22), ("周", 17), ("徐", 15), ("孙", 9), ("胡", 18), ("朱", 13), ("高", 9), ("林", 11),
    ("何", 11), ("郭", 9), ("马", 6), ("罗", 16), ("梁", 6), ("宋", 5), ("郑", 6), ("谢", 14),
    ("韩", 3), ("唐", 6), ("冯", 4), ("于", 2), ("董", 4), ("肖", 11), ("萧", 1), ("程", 5),
    ("曹", 4), ("袁", 5), ("邓", 7), ("许", 5), ("傅", 4), ("沈", 3), ("曾", 16), ("彭", 7),
    ("吕", 3), ("苏", 3), ("卢", 4), ("蒋", 3), ("蔡", 4), ("贾", 2), ("丁", 3), ("魏", 3),
    ("薛", 2), ("叶", 5), ("阎", 1), ("余", 6), ("潘", 4), ("杜", 3), ("戴", 3), ("夏", 3),
    ("钟", 12), ("汪", 4), ("田", 3), ("任", 2), ("姜", 2), ("范", 3), ("方", 3), ("石", 3),
    ("姚", 3), ("谭", 3), ("廖", 8), ("邹", 5), ("熊", 5), ("金", 2), ("陆", 2), ("郝", 1),
    ("孔", 1), ("白", 1), ("崔", 1), ("康", 2), ("毛", 2), ("邱", 9), ("秦", 1), ("江", 3),
    ("史", 1), ("顾", 1), ("侯", 1), ("邵", 2), ("孟", 1), ("龙", 2), ("万", 3), ("段", 2),
    ("钱", 1), ("汤", 2), ("尹", 1), ("黎", 2), ("易", 2), ("常", 1), ("武", 1), ("乔", 1),
    ("贺", 1), ("赖", 9), ("龚", 2), ("文", 2), ("温", 6), ("严", 2), ("雷", 2), ("蓝", 1),
    ("欧阳", 2), ("凌", 1), ("巫", 1), ("管", 1),
];

/// Surnames that often make up most of a village (单姓村 / 大姓村).
#[rustfmt::skip]
pub(super) const CLANS: &[&str] = &[
    "刘", "陈", "李", "黄", "王", "张", "吴", "罗", "胡", "曾", "钟", "谢", "邱", "赖", "肖", "廖",
    "温", "朱", "彭", "郭", "杨", "邓", "叶", "蔡",
];

/// Surnames common among the 畲族 of Jiangxi.
const SHE_SURNAMES: &[&str] = &["蓝", "雷", "钟"];

// Given-name characters. Every character here is a 3-byte UTF-8 CJK
// character, so `pick_char` can slice them without decoding.
const MALE_OLD: &str = "国建华明平志文德荣福祥生根发水贵才兴家光红林长忠义成胜学民远\
    泉春金富有保满桂先庆洪清山海军东伟新永良全运昌正财秋和仁礼章";
const MALE_YOUNG: &str = "伟强军明斌辉涛波杰峰磊鹏宇浩俊凯亮刚超勇翔飞鑫晨阳鸿睿轩\
    博文豪航辰铭哲然子思嘉泽宏毅健彬帅龙旭东林海";
const FEMALE_OLD: &str = "秀英桂兰凤珍玉梅芳华琴莲菊香春花翠娥冬金兰美淑素月云霞\
    红英清娣妹招凤银连";
const FEMALE_YOUNG: &str = "芳娟敏静丽艳霞燕玲婷雪慧丹倩琳洁颖晶蓉莉娜欣怡佳悦雨萱\
    涵梦琪瑶露薇晓洁思媛璐";

/// The common surname table, prepared for sampling.
pub(super) fn surname_table() -> Weighted<&'static str> {
    Weighted::new(SURNAMES)
}

/// A name for a person of `gender` born in `birth_year`. Villagers mostly
/// carry their village's clan surname (`clan`); 畲族 members mostly carry
/// 蓝, 雷 or 钟.
pub(super) fn person_name(
    rng: &mut ChaCha8Rng,
    surnames: &Weighted<&'static str>,
    gender: Gender,
    birth_year: i16,
    clan: Option<&'static str>,
    she: bool,
) -> String {
    let surname = match clan {
        _ if she && rng.random_bool(0.8) => pick(rng, SHE_SURNAMES),
        Some(c) if rng.random_bool(0.55) => c,
        _ => *surnames.sample(rng),
    };
    // Older generations draw mostly from the older character sets.
    let p_old = if birth_year < 1970 {
        0.85
    } else if birth_year < 1985 {
        0.5
    } else {
        0.1
    };
    let chars = match (gender, rng.random_bool(p_old)) {
        (Gender::Male, true) => MALE_OLD,
        (Gender::Male, false) => MALE_YOUNG,
        (Gender::Female, true) => FEMALE_OLD,
        (Gender::Female, false) => FEMALE_YOUNG,
    };
    let mut name = String::with_capacity(12);
    name.push_str(surname);
    name.push_str(pick_char(rng, chars));
    // About a quarter of given names have one character.
    if rng.random_bool(0.74) {
        let mut second = pick_char(rng, chars);
        if name.ends_with(second) {
            second = pick_char(rng, chars);
        }
        name.push_str(second);
    }
    name
}

/// A name for a person whose gender the caller does not care about
/// (secretaries of organizations without members): three in four men.
pub(super) fn any_name(rng: &mut ChaCha8Rng, surnames: &Weighted<&'static str>) -> String {
    let gender = if rng.random_bool(0.75) {
        Gender::Male
    } else {
        Gender::Female
    };
    let year = rng.random_range(1965..1990);
    person_name(rng, surnames, gender, year, None, false)
}

#[cfg(test)]
pub(super) const ALL_CHAR_SETS: [&str; 4] = [MALE_OLD, MALE_YOUNG, FEMALE_OLD, FEMALE_YOUNG];
