//! Place and unit names of the fictional 赣川县: townships, villages,
//! communities, streets, county departments with their affiliated
//! institutions, schools, hospitals, state enterprises, private companies and
//! social organizations. All names are made up; some resemble real places in
//! southern Jiangxi, as real names do.

use super::{pick, pick_char};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// The county's name.
pub(super) const COUNTY: &str = "赣川县";

/// The county seat always comes first; the other townships are drawn from
/// the rest.
#[rustfmt::skip]
pub(super) const TOWNSHIPS: &[&str] = &[
    "城关镇", "樟树镇", "梅岭乡", "桃江乡", "龙口镇", "白鹭乡", "青塘镇", "黄沙镇", "高坪乡",
    "大田乡", "枫林镇", "长洛乡", "坪山镇", "茶园乡", "杨村镇", "沙地镇", "田心镇", "上堡乡",
    "新城镇", "水西乡", "铁山镇", "南塘镇", "五云镇", "湖江乡", "江口镇", "营前镇", "金盆乡",
    "双溪乡", "丰田乡", "横江镇", "古陂镇", "柏林乡",
];

/// Township count of one county copy.
pub(super) const TOWNSHIPS_PER_COUNTY: usize = 20;

// Village names are a first character and a second one (桃 + 源).
const VILLAGE_HEADS: &str = "桃樟枫石龙凤青白黄长高大小杨竹梅茶水沙松金银马牛荷莲兰桂杉\
    岩溪东西南北上下新老中朱陈曾罗谢钟邱赖温蔡肖廖彭郭刘李鹤狮";
const VILLAGE_TAILS: &str = "源坑岭田坪塘溪口背岗湖坝湾园林山洲坊屋寨垅窝陂圳潭桥埠铺岽排";

/// A village name such as 桃源 (without 村).
pub(super) fn village_name(rng: &mut ChaCha8Rng) -> String {
    loop {
        let head = pick_char(rng, VILLAGE_HEADS);
        let tail = pick_char(rng, VILLAGE_TAILS);
        if head != tail {
            return format!("{head}{tail}");
        }
    }
}

#[rustfmt::skip]
pub(super) const COMMUNITIES: &[&str] = &[
    "城东", "城西", "城南", "城北", "中山", "解放", "建设", "和平", "人民", "文峰", "滨江", "新华",
    "东门", "西门", "南门", "北门", "章江", "龙泉", "紫阳", "翠微", "长征", "红旗", "工农", "幸福",
    "育才", "光明",
];

/// Village groups (村民小组), used in addresses.
#[rustfmt::skip]
pub(super) const HAMLETS: &[&str] = &[
    "上屋组", "下屋组", "新屋组", "老屋组", "塘背组", "坳头组", "岭下组", "河背组", "田心组",
    "桥头组", "对面组", "围里组", "坪上组", "排上组", "第一组", "第二组", "第三组", "第四组",
    "第五组", "第六组", "第七组", "第八组",
];

#[rustfmt::skip]
pub(super) const ROADS: &[&str] = &[
    "人民路", "解放路", "建设路", "中山路", "和平路", "胜利路", "文化路", "新华路", "滨江大道",
    "章江路", "工业大道", "东门路", "南门街", "北街", "老街", "府前路", "迎宾大道", "站前路",
    "城南大道", "学府路",
];

/// What hangs under a county department besides its own 机关 branches.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Below {
    /// Affiliated public institutions (事业单位), one branch each.
    Units(&'static [&'static str]),
    /// The county's schools (教育体育局).
    Schools,
    /// The county's hospitals (卫生健康委员会).
    Hospitals,
    /// The county's state enterprises (国有资产监督管理办公室).
    Enterprises,
    /// One police station per township plus the brigades (公安局).
    Police,
    /// The 机关 branches of the offices without a 党组 of their own (县直机关工委).
    Offices,
}

/// A county department: its name, whether it has a 党委 (otherwise a 党组),
/// how many 机关 branches, and what hangs below it.
pub(super) struct Dept {
    pub name: &'static str,
    pub committee: bool,
    pub offices: u32,
    pub below: Below,
}

const fn dept(name: &'static str, committee: bool, offices: u32, below: Below) -> Dept {
    Dept {
        name,
        committee,
        offices,
        below,
    }
}

const NONE: Below = Below::Units(&[]);

#[rustfmt::skip]
pub(super) const DEPTS: &[Dept] = &[
    dept("直属机关工作委员会", true, 0, Below::Offices),
    dept("发展和改革委员会", false, 1, Below::Units(&["价格认证中心", "重点项目服务中心"])),
    dept("教育体育局", true, 1, Below::Schools),
    dept("科学技术和工业信息化局", false, 1, Below::Units(&["中小企业服务中心"])),
    dept("公安局", true, 3, Below::Police),
    dept("民政局", false, 1, Below::Units(&["社会福利院", "殡葬管理所", "光荣院"])),
    dept("司法局", false, 1, Below::Units(&["公证处", "法律援助中心"])),
    dept("财政局", false, 2, Below::Units(&["国库集中支付中心", "非税收入管理局"])),
    dept("人力资源和社会保障局", false, 1, Below::Units(&["就业创业服务中心", "社会保险服务中心"])),
    dept("自然资源局", false, 1, Below::Units(&["不动产登记中心", "土地储备中心"])),
    dept("生态环境局", false, 1, Below::Units(&["生态环境监测站"])),
    dept("住房和城乡建设局", false, 1, Below::Units(&["住房保障服务中心", "建设工程质量安全监督站"])),
    dept("交通运输局", false, 1, Below::Units(&["公路事业发展中心", "交通运输综合行政执法大队"])),
    dept("水利局", false, 1, Below::Units(&["水利工程管理站", "水土保持站", "水文站"])),
    dept("农业农村局", true, 2, Below::Units(&[
        "农业技术推广中心", "畜牧兽医中心", "农机服务中心", "农村经营管理站",
    ])),
    dept("商务局", false, 1, NONE),
    dept("文化广电新闻出版旅游局", false, 1, Below::Units(&["图书馆", "文化馆", "博物馆"])),
    dept("卫生健康委员会", true, 1, Below::Hospitals),
    dept("退役军人事务局", false, 1, Below::Units(&["退役军人服务中心"])),
    dept("应急管理局", false, 1, Below::Units(&["应急救援中心"])),
    dept("审计局", false, 1, NONE),
    dept("市场监督管理局", true, 2, Below::Units(&[
        "城关市场监督管理所", "检验检测中心", "消费者权益保护中心",
    ])),
    dept("统计局", false, 1, Below::Units(&["普查中心"])),
    dept("医疗保障局", false, 1, Below::Units(&["医疗保障服务中心"])),
    dept("林业局", true, 1, Below::Units(&[
        "林业科学研究所", "国有青山林场", "国有白石林场", "国有梅岭林场",
    ])),
    dept("城市管理局", false, 1, Below::Units(&["环境卫生管理所", "园林绿化所", "市政设施管理所"])),
    dept("行政审批局", false, 1, Below::Units(&["政务服务中心"])),
    dept("国有资产监督管理办公室", false, 1, Below::Enterprises),
    dept("人民法院", false, 2, Below::Units(&["城关人民法庭", "樟树人民法庭"])),
    dept("人民检察院", false, 2, NONE),
    dept("供销合作社联合社", false, 1, Below::Units(&["农资有限公司"])),
];

/// Offices whose 机关 branches sit under the 县直机关工委.
#[rustfmt::skip]
pub(super) const OFFICES: &[&str] = &[
    "县委办公室", "县人大常委会机关", "县政府办公室", "县政协机关", "县纪委监委机关", "县委组织部",
    "县委宣传部", "县委统战部", "县委政法委", "县委编办", "县委党校", "县融媒体中心", "县档案馆",
    "县总工会", "团县委", "县妇联", "县工商联", "县科协", "县残联", "县信访局",
    "县机关事务服务中心",
];

/// County schools under the 教育体育局 党委: a school with a list of
/// branches has a 党总支 over them, the others a single 党支部.
#[rustfmt::skip]
pub(super) const SCHOOLS: &[(&str, &[&str])] = &[
    ("第一中学", &["高一年级", "高二年级", "高三年级", "行政后勤", "退休教师"]),
    ("第二中学", &["高一年级", "高二年级", "高三年级", "退休教师"]),
    ("第三中学", &["初中部", "高中部", "退休教师"]),
    ("实验中学", &["第一", "第二", "退休教师"]),
    ("职业中等专业学校", &["机电专业部", "信息技术专业部", "行政后勤"]),
    ("城关中学", &["第一", "第二"]),
    ("实验小学", &["第一", "第二", "退休教师"]),
    ("第二小学", &[]), ("第三小学", &[]), ("第四小学", &[]), ("城南小学", &[]),
    ("城北小学", &[]), ("特殊教育学校", &[]), ("教师进修学校", &[]),
    ("第一幼儿园", &[]), ("第二幼儿园", &[]),
];

/// County hospitals: the first (县人民医院) has a 党委, the others with a
/// list of branches a 党总支, the rest a single 党支部.
#[rustfmt::skip]
pub(super) const HOSPITALS: &[(&str, &[&str])] = &[
    ("人民医院", &["行政", "内科", "外科", "妇产儿科", "医技", "护理", "急诊", "门诊", "离退休"]),
    ("中医院", &["行政后勤", "临床", "医技护理", "离退休"]),
    ("第二人民医院", &["行政后勤", "临床医技"]),
    ("妇幼保健院", &[]), ("疾病预防控制中心", &[]), ("卫生健康综合监督执法局", &[]),
    ("精神病医院", &[]), ("皮肤病防治院", &[]), ("中心血站", &[]),
];

/// State enterprises and their branches: the first two have a 党委, the
/// others with branches a 党总支, the rest a single 党支部.
#[rustfmt::skip]
pub(super) const ENTERPRISES: &[(&str, &[&str])] = &[
    ("城市建设投资集团有限公司", &[
        "机关", "工程建设", "资产运营", "物业服务", "置业", "融资", "退休职工",
    ]),
    ("交通投资集团有限公司", &["机关", "路桥建设", "运输", "养护", "退休职工"]),
    ("工业投资集团有限公司", &["机关", "园区运营", "厂房建设"]),
    ("水务集团有限公司", &["机关", "供水", "污水处理"]),
    ("旅游发展集团有限公司", &[]), ("农业发展集团有限公司", &[]), ("粮食收储有限公司", &[]),
    ("公共交通有限公司", &[]), ("国有资产经营有限公司", &[]), ("融资担保有限公司", &[]),
];

const BRAND: &str = "华鑫宏达金凯恒信瑞丰天成永兴晟源泰隆盛德嘉和汇通创新远航万福利\
    顺昌荣佳美正大鸿运锦龙腾飞赣富康宝";
#[rustfmt::skip]
const TRADES: &[&str] = &[
    "实业", "电子科技", "新材料", "食品", "建材", "纺织", "服饰", "农业开发", "物流", "医药",
    "光电", "稀土新材料", "家具", "机械制造", "铝业", "生态农业", "电子", "塑业", "矿业",
    "脐橙产业", "油茶科技", "竹木制品", "建筑工程", "环保科技",
];

#[cfg(test)]
pub(super) const CHAR_TABLES: [&str; 3] = [VILLAGE_HEADS, VILLAGE_TAILS, BRAND];

/// A private company name such as 江西华鑫电子科技有限公司.
pub(super) fn company_name(rng: &mut ChaCha8Rng) -> String {
    let prefix = if rng.random_bool(0.5) {
        "江西"
    } else {
        COUNTY
    };
    let a = pick_char(rng, BRAND);
    let mut b = pick_char(rng, BRAND);
    if a == b {
        b = pick_char(rng, BRAND);
    }
    format!("{prefix}{a}{b}{}有限公司", pick(rng, TRADES))
}

/// Social organizations with a branch of their own, and the trades that
/// form joint branches (联合党支部) under the 社会组织综合党委.
#[rustfmt::skip]
pub(super) const SOCIAL_ORGS: &[&str] = &[
    "个体劳动者协会", "私营企业协会", "慈善总会", "老年体育协会", "温州商会", "福建商会",
    "广东商会", "浙江商会", "青年企业家协会", "脐橙协会", "油茶产业协会", "作家协会", "书法家协会",
    "义工联合会", "红土地养老服务中心", "阳光社会工作服务中心", "博雅培训学校", "育才民办学校",
];
#[rustfmt::skip]
pub(super) const SOCIAL_JOINT: &[&str] = &[
    "律师行业", "会计师事务所", "民办教育", "物业服务行业", "快递物流行业", "网约车行业",
    "民办养老机构",
];
