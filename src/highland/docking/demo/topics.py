# ruff: noqa: E501 - a table of Chinese phrases reads best one technology a line
"""A hand-written table of technologies in Nanjing's chains, ILLUSTRATIVE: each with its field,
the chain segment it serves, the name a research group gives it, the names an enterprise would
use for the same thing (paraphrases), two technical terms of its abstract, the problem it
solves as a researcher writes it and as an enterprise describes it. The demo's achievements and
needs and the labelled matching set (bench/docking_labels.py) are generated from it."""

from __future__ import annotations

from typing import NamedTuple


class Topic(NamedTuple):
    """One technology."""

    field: str
    chain: str | None
    segment: str | None
    name: str  # as the research group names it
    paraphrases: tuple[str, str]  # as an enterprise would ask for it
    terms: tuple[str, str]  # technical terms of the abstract
    problem: str  # the problem, as a researcher writes it
    need_problem: str  # the same problem, as an enterprise describes it


T = Topic
TOPICS: tuple[Topic, ...] = (
    T("software", "software", "database", "分布式数据库事务引擎", ("分布式数据库", "数据库强一致事务"), ("多副本共识", "快照隔离"), "海量交易数据一致性差", "账务数据对不上、交易高峰卡顿"),
    T("software", "software", "os", "嵌入式实时操作系统内核", ("实时操作系统", "国产RTOS"), ("确定性调度", "微内核"), "控制任务响应时延抖动大", "控制器反应慢、时快时慢"),
    T("software", "software", "industrial-software", "三维几何建模内核", ("国产CAD内核", "三维建模引擎"), ("边界表示", "参数化建模"), "工业设计软件依赖国外内核", "设计软件被国外卡脖子"),
    T("software", "software", "security-base", "零信任访问控制平台", ("零信任安全", "身份访问控制"), ("持续认证", "微隔离"), "内网横向渗透难以发现", "担心黑客进了内网到处乱窜"),
    T("ai", "ai", "vision", "工业视觉缺陷检测算法", ("机器视觉质检", "表面缺陷自动检测"), ("小样本学习", "图像分割"), "人工目检漏检率高", "质检靠人眼，漏检多、招工难"),
    T("ai", "ai", "speech-nlp", "政务领域大语言模型", ("智能客服大模型", "中文对话模型"), ("检索增强生成", "指令微调"), "政务问答准确率低", "客服热线答非所问"),
    T("ai", "ai", "robots", "协作机器人力控技术", ("协作机械臂", "人机协作机器人"), ("阻抗控制", "碰撞检测"), "机器人与人共线作业不安全", "机械臂和工人一起干活怕伤人"),
    T("ai", "ai", "ai-chips", "存算一体神经网络芯片", ("AI推理芯片", "低功耗智能芯片"), ("存内计算", "模拟乘加"), "边缘端推理功耗过高", "设备端跑模型太费电"),
    T("ic", "ic", "eda", "模拟电路自动布局工具", ("模拟版图自动化", "国产EDA工具"), ("约束驱动布局", "寄生参数提取"), "模拟版图依赖人工", "画版图全靠工程师手工，周期长"),
    T("ic", "ic", "packaging", "晶圆级扇出封装工艺", ("先进封装", "扇出型封装"), ("重布线层", "塑封翘曲控制"), "芯片封装体积大、互连密度低", "芯片封装做不小、引脚不够"),
    T("ic", "ic", "photoresist", "KrF光刻胶树脂合成", ("国产光刻胶", "半导体光刻材料"), ("化学放大", "分子量分布"), "光刻胶高度依赖进口", "光刻胶买不到、价格高"),
    T("ic", "ic", "analog-rf", "毫米波射频前端芯片", ("5G射频芯片", "毫米波收发芯片"), ("功率放大器", "相控阵波束成形"), "高频段射频前端性能不足", "5G基站射频部分要进口"),
    T("nev", "nev", "anode", "硅碳负极材料", ("高容量负极", "硅基负极"), ("纳米硅包覆", "预锂化"), "负极循环膨胀导致容量衰减", "电池用久了掉电快、续航缩水"),
    T("nev", "nev", "bms", "电池管理系统SOC估算", ("电池管理系统", "电量估算算法"), ("卡尔曼滤波", "等效电路模型"), "荷电状态估算误差大", "仪表显示的剩余电量不准"),
    T("nev", "nev", "e-drive", "碳化硅电机控制器", ("电驱控制器", "SiC电驱系统"), ("碳化硅功率模块", "矢量控制"), "电驱系统效率和功率密度低", "电驱发热大、体积大"),
    T("nev", "nev", "recycling", "退役动力电池梯次利用", ("废旧电池回收", "电池梯次利用"), ("健康状态评估", "湿法冶金"), "退役电池残值评估难", "旧电池不知道还能不能用、怎么回收"),
    T("medicine", "medicine", "antibodies", "双特异性抗体平台", ("双抗药物", "抗体药物研发"), ("T细胞衔接", "共同轻链"), "单抗对实体瘤疗效有限", "抗肿瘤新药疗效不够"),
    T("medicine", "medicine", "cgt", "CAR-T细胞制备工艺", ("细胞治疗", "CAR-T生产"), ("慢病毒转导", "封闭式培养"), "细胞治疗制备成本高", "细胞药生产太贵、批次不稳"),
    T("medicine", "medicine", "ivd", "化学发光免疫诊断试剂", ("体外诊断试剂", "发光检测试剂盒"), ("磁微粒", "吖啶酯标记"), "高端免疫诊断依赖进口", "医院检验试剂都是进口的"),
    T("medicine", "medicine", "imaging", "低剂量CT重建算法", ("CT影像重建", "医学影像降噪"), ("迭代重建", "深度学习降噪"), "CT辐射剂量高", "病人做CT辐射太大"),
    T("grid", "smart-grid", "storage", "液冷储能系统热管理", ("储能热管理", "储能电站温控"), ("液冷板", "均温控制"), "储能电池温差大易热失控", "储能柜夏天过热、怕起火"),
    T("grid", "smart-grid", "protection", "配电网故障定位", ("配网故障检测", "线路故障快速定位"), ("行波测距", "零序电流"), "配电网故障查找慢", "停电后找故障点要好几个小时"),
    T("grid", "smart-grid", "hvdc", "柔性直流换流阀", ("柔直换流阀", "直流输电装备"), ("模块化多电平", "子模块均压"), "远距离输电损耗大", "新能源电送不出去、损耗大"),
    T("grid", "smart-grid", "transformers", "变压器油色谱在线监测", ("变压器状态监测", "油中溶解气体监测"), ("光声光谱", "故障诊断"), "变压器内部故障难以早期发现", "变压器突然坏、事先没征兆"),
    T("rail", "rail", "braking", "列车制动控制系统", ("轨道车辆制动", "电空制动"), ("防滑控制", "制动力分配"), "制动距离不稳定", "地铁停车不准、刹车距离忽长忽短"),
    T("rail", "rail", "cbtc", "基于通信的列车控制", ("CBTC信号系统", "城轨信号控制"), ("移动闭塞", "车地无线通信"), "行车间隔难以缩短", "地铁发车间隔压不下来"),
    T("rail", "rail", "bearings", "高速列车轴承", ("高铁轴承", "轨道交通轴承"), ("渗碳钢", "疲劳寿命"), "轴承寿命短依赖进口", "列车轴承用进口的、换得勤"),
    T("rail", "rail", "maintenance", "轨道几何状态智能检测", ("轨道巡检", "线路病害检测"), ("激光测量", "惯性基准"), "人工巡道效率低", "晚上靠人走着巡线"),
    T("equipment", "smart-equipment", "reducers", "RV减速器精密加工", ("机器人减速器", "精密减速机"), ("摆线轮修形", "回差控制"), "减速器精度保持性差", "机器人关节用久了精度下降"),
    T("equipment", "smart-equipment", "additive", "金属激光增材制造", ("金属3D打印", "激光选区熔化"), ("粉末床熔融", "残余应力"), "复杂金属件难以加工", "复杂零件做不出来、模具贵"),
    T("equipment", "smart-equipment", "cnc-systems", "五轴数控系统", ("高档数控系统", "五轴联动控制"), ("刀具轨迹插补", "误差补偿"), "高档数控系统依赖进口", "五轴机床的系统都是进口的"),
    T("equipment", "smart-equipment", "inspection", "在线三维视觉测量", ("三维测量", "尺寸在线检测"), ("结构光", "点云配准"), "尺寸检测离线抽检", "零件尺寸只能抽检、靠卡尺量"),
    T("materials", None, None, "碳纤维复合材料成型", ("碳纤维部件", "复合材料轻量化"), ("热压罐", "树脂传递模塑"), "结构件重量大", "零部件太重、想减重"),
    T("materials", None, None, "石墨烯导热膜", ("导热材料", "散热膜"), ("化学气相沉积", "面内导热系数"), "电子器件散热不足", "手机和设备发烫"),
    T("materials", None, None, "高熵合金涂层", ("耐磨涂层", "表面防护涂层"), ("激光熔覆", "固溶强化"), "零件磨损腐蚀严重", "设备零件磨得快、锈得快"),
    T("materials", None, None, "生物可降解塑料", ("可降解材料", "环保塑料"), ("聚乳酸", "共混改性"), "塑料制品难以降解", "包装要换成能降解的"),
    T("energy", None, None, "钙钛矿太阳能电池", ("光伏电池", "新型太阳能电池"), ("钙钛矿薄膜", "叠层结构"), "光伏转换效率提升遇瓶颈", "光伏板发电效率不够高"),
    T("energy", None, None, "氢燃料电池电堆", ("燃料电池", "氢能动力"), ("膜电极", "双极板"), "燃料电池成本高寿命短", "氢能车的电堆贵、寿命短"),
    T("energy", None, None, "海上风电基础防腐", ("风电防腐", "海上风机防护"), ("阴极保护", "涂层体系"), "海洋环境腐蚀严重", "海上风机钢结构锈蚀"),
    T("energy", None, None, "固态电解质", ("固态电池", "全固态锂电"), ("硫化物电解质", "界面阻抗"), "液态电池安全性不足", "电池怕起火、想要更安全"),
    T("environment", None, None, "工业废水膜处理", ("废水处理", "污水回用"), ("反渗透膜", "膜污染控制"), "高盐废水难处理", "工厂废水排放不达标"),
    T("environment", None, None, "VOCs催化燃烧", ("废气治理", "挥发性有机物处理"), ("蓄热式燃烧", "贵金属催化剂"), "有机废气排放超标", "车间有异味、废气超标"),
    T("environment", None, None, "余热回收热泵", ("余热利用", "工业热泵"), ("高温热泵", "换热器"), "工业余热浪费", "生产线热量白白排掉、能耗高"),
    T("environment", None, None, "建筑垃圾再生骨料", ("建筑垃圾利用", "再生建材"), ("破碎筛分", "骨料强化"), "建筑垃圾堆放占地", "拆迁垃圾没地方放"),
)

# Where a technology is used, by field: the first five make the labelled set's pairs, the rest
# give same-technology distractors (the technology right, the use wrong).
APPLICATIONS: dict[str, tuple[str, ...]] = {
    "software": ("银行核心系统", "证券交易", "电力调度", "工业控制", "政务云", "医院信息系统", "智慧交通", "电商平台"),
    "ai": ("汽车零部件", "光伏组件", "锂电池极片", "纺织面料", "政务热线", "医疗问诊", "仓储物流", "电子装配"),
    "ic": ("智能手机", "汽车电子", "数据中心", "物联网终端", "通信基站", "可穿戴设备", "工业电源", "安防摄像头"),
    "nev": ("乘用车", "电动客车", "物流车", "电动两轮车", "储能电站", "工程机械", "换电站", "电动船舶"),
    "medicine": ("肺癌", "乳腺癌", "血液肿瘤", "自身免疫病", "感染性疾病", "心血管疾病", "儿科", "基层医院"),
    "grid": ("城市配电网", "工业园区", "新能源场站", "数据中心", "农村电网", "港口岸电", "轨道交通供电", "海上风电"),
    "rail": ("地铁", "高速铁路", "有轨电车", "市域快线", "重载货运", "磁浮线路", "机场捷运", "城际铁路"),
    "equipment": ("汽车制造", "航空零部件", "3C电子", "工程机械", "医疗器械", "模具加工", "船舶制造", "家电生产"),
    "materials": ("新能源汽车", "消费电子", "航空航天", "包装行业", "医疗器械", "轨道交通", "风电叶片", "建筑工程"),
    "energy": ("分布式光伏", "重卡运输", "海上风电场", "储能电站", "数据中心", "化工园区", "港口码头", "农业大棚"),
    "environment": ("化工园区", "印染企业", "电镀企业", "钢铁企业", "制药企业", "食品加工", "涂装车间", "城市更新"),
}
LABELLED_APPS = 5
