"""What a correct pipeline finds on the sample page corpus/raw/000_72afd9e4fb823ccb.txt.

Written by the project from reading the page (line numbers are 1-based lines of the file).
Tests use this, never ../shared, so they pass on a fresh clone.
"""

SEED_FILE = "000_72afd9e4fb823ccb.txt"

# (title, genre, title line, first body line, last body line)
DOCUMENTS = [
    ("织里镇政府公共服务状况调查报告", "survey", 10, 12, 32),
    ("政府办事服务中心实习报告", "internship", 34, 36, 48),
    ("区规服办规范化服务型政府建设工作的自查报告", "self_inspection", 50, 52, 82),
    ("乡镇政府服务能力建设调研报告", "research", 84, 86, 126),
    ("政府行政服务中心实习报告", "internship", 128, 130, 212),
    ("2023服务性政府妇联调研报告", "research", 214, 216, 272),
    ("成都市林业局规范化服务型政府建设工作自查报告", "self_inspection", 274, 276, 322),
    ("国庆佳节政府服务企业满意度调查报告", "survey", 324, 326, 512),
]
TITLES = [d[0] for d in DOCUMENTS]
GENRES = [d[1] for d in DOCUMENTS]

HEADER_LINES = [1, 2, 4, 6, 8]                 # site name, breadcrumb, page title, publish line, repeated title
FOOTER_FIRST_LINE = 514                        # everything from here on is footer / related articles
BOILERPLATE_INSIDE_BODIES = [86, 126, 216]     # site intro, spam-only line, 小编 intro
TITLE_REPEATED_AS_FIRST_BODY_LINE = [12, 276]  # dropped from the body
# (line, fragment removed, where)
SPAM_FRAGMENTS = [
    (32, ",尽在酷猫写作范文网。", "suffix"),
    (88, "乡镇政府服务能力建设调研报告篇", "prefix"),
]

# measures and problems per document ordinal (heads, punctuation as on the page)
MEASURES = {
    3: ["增强服务意识,完善服务设施", "完善制度建设,提高服务质量", "开展并联审批,提高服务效率",
        "推行电子政务,试行网上审批", "推行政务公开,做到阳光行政", "加强政务监督,完善评价制度"],
    4: ["把握乡镇政府服务能力建设的总体要求", "强化乡镇政府服务功能", "优化乡镇基本公共服务资源配置",
        "创新乡镇公共服务供给方式", "加强乡镇政府服务能力建设保障", "加强组织领导", "发挥乡镇政府的主体作用",
        "抓好学习宣传", "加强督促指导"],
    6: ["健全党建带妇建的工作机制", "营造男女平等基本国策的宣传氛围", "进一步加强妇联干部队伍的能力建设"],
    7: ["调整充实了局建设规范化服务型政府工作领导小组", "全面实施市政府已经出台的各项配套文件",
        "进一步修改完善本局的公务员培训、绩效考核、激励机制规范", "全面实施透明政府建设和电子政务建设",
        "优化林业行政审批事项办理流程,提高行政效率"],
    8: ["简化办事流程,公开、规范操作", "政策宣传要多样化,强化应用指导", "加强信息交流、建立信息共享平台",
        "加强工作人员走访,进行指导、调研", "构建企业交流平台", "促成部门间的合作、达成信息共享"],
}
PROBLEMS = {
    4: ["服务理念滞后", "服务能力不强", "服务机制不健全", "服务手段落后", "服务效能不高"],
    6: ["重视不够,工作开展难", "兼职过多,职能发挥难", "投入不足,工作保障难", "素质不高,工作创新难"],
    8: ["办事流程复杂、操作不公开透明", "办事效率不高", "办事执行力不强", "政府投诉电话的利用效果还有待改善"],
}
