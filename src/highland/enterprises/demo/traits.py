"""Ownership, trade names, qualifications and the growth rule that demo firms are drawn from."""

from __future__ import annotations

# --- Ownership -------------------------------------------------------------------------------

OWNERSHIPS = ("private", "state", "collective", "foreign", "hmt")
OWNERSHIP_P = (0.84, 0.06, 0.015, 0.05, 0.035)
OWNERSHIP_SIZE_SHIFT = (0.0, 0.6, -0.2, 0.4, 0.3)
FOREIGN = (
    ("DE", 14),
    ("US", 18),
    ("JP", 16),
    ("KR", 12),
    ("SG", 10),
    ("FR", 6),
    ("GB", 6),
    ("NL", 5),
    ("CH", 5),
    ("IT", 4),
)
HMT = (("HK", 60), ("TW", 32), ("MO", 8))

# --- Trade names (字号) ----------------------------------------------------------------------

# Characters common in Chinese trade names with their pinyin. None starts with a vowel, so the
# run-together romanisation ("Weimeng") never needs a syllable apostrophe.
TRADE_CHARS = (
    ("华", "hua"),
    ("瑞", "rui"),
    ("恒", "heng"),
    ("远", "yuan"),
    ("芯", "xin"),
    ("微", "wei"),
    ("创", "chuang"),
    ("泰", "tai"),
    ("信", "xin"),
    ("联", "lian"),
    ("盛", "sheng"),
    ("鼎", "ding"),
    ("博", "bo"),
    ("科", "ke"),
    ("新", "xin"),
    ("天", "tian"),
    ("宏", "hong"),
    ("康", "kang"),
    ("金", "jin"),
    ("正", "zheng"),
    ("汇", "hui"),
    ("通", "tong"),
    ("达", "da"),
    ("光", "guang"),
    ("明", "ming"),
    ("海", "hai"),
    ("云", "yun"),
    ("智", "zhi"),
    ("思", "si"),
    ("锐", "rui"),
    ("卓", "zhuo"),
    ("越", "yue"),
    ("嘉", "jia"),
    ("德", "de"),
    ("宁", "ning"),
    ("苏", "su"),
    ("江", "jiang"),
    ("东", "dong"),
    ("宇", "yu"),
    ("星", "xing"),
    ("辰", "chen"),
    ("启", "qi"),
    ("航", "hang"),
    ("凯", "kai"),
    ("盟", "meng"),
    ("景", "jing"),
    ("源", "yuan"),
    ("润", "run"),
    ("丰", "feng"),
    ("祥", "xiang"),
    ("和", "he"),
    ("顺", "shun"),
    ("益", "yi"),
    ("元", "yuan"),
    ("亿", "yi"),
    ("蓝", "lan"),
    ("青", "qing"),
    ("紫", "zi"),
    ("晶", "jing"),
    ("聚", "ju"),
    ("擎", "qing"),
    ("拓", "tuo"),
    ("驰", "chi"),
    ("腾", "teng"),
    ("飞", "fei"),
    ("弘", "hong"),
    ("豪", "hao"),
    ("力", "li"),
    ("立", "li"),
    ("图", "tu"),
    ("维", "wei"),
    ("讯", "xun"),
    ("视", "shi"),
    ("睿", "rui"),
    ("沃", "wo"),
    ("融", "rong"),
    ("赛", "sai"),
    ("森", "sen"),
    ("世", "shi"),
    ("同", "tong"),
    ("万", "wan"),
    ("鑫", "xin"),
    ("扬", "yang"),
    ("长", "chang"),
    ("志", "zhi"),
    ("众", "zhong"),
    ("方", "fang"),
    ("峰", "feng"),
    ("贝", "bei"),
    ("诺", "nuo"),
    ("佳", "jia"),
    ("捷", "jie"),
    ("骏", "jun"),
    ("朗", "lang"),
    ("麦", "mai"),
    ("铭", "ming"),
    ("普", "pu"),
    ("奇", "qi"),
    ("清", "qing"),
    ("容", "rong"),
    ("尚", "shang"),
    ("索", "suo"),
    ("唐", "tang"),
    ("威", "wei"),
    ("翔", "xiang"),
    ("欣", "xin"),
    ("耀", "yao"),
    ("誉", "yu"),
    ("臻", "zhen"),
    ("钧", "jun"),
    ("帆", "fan"),
    ("桥", "qiao"),
    ("谷", "gu"),
    ("川", "chuan"),
)

# --- Qualifications --------------------------------------------------------------------------

# (code, certificate years) in the order they are written into the cell.
QUALIFICATIONS = (
    ("high_tech", 3),
    ("tech_sme", 1),
    ("srdi", 3),
    ("little_giant", 3),
    ("innovative_sme", 3),
)

# --- Growth ----------------------------------------------------------------------------------

# Gazelle rule: base-year revenue floor (yuan) and 3-year CAGR floor, services vs manufacturing.
GAZELLE_RULE = {True: (3e6, 0.20), False: (5e6, 0.50)}  # keyed by is-manufacturing
# With the firms whose ordinary growth happens to meet the rule, about 3 % of all firms qualify.
GAZELLE_SHARE_OF_ELIGIBLE = 0.04
