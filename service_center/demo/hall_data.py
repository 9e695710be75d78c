"""The demo hall's organisation: departments stationed in the hall and their acceptance windows.

Codes, names and window numbers are the keys the seed looks records up by, so keep them stable.
"""

from __future__ import annotations

from dataclasses import dataclass

STANDARD_HOURS = "周一至周五 9:00-12:00, 13:30-17:00"
SATURDAY_HOURS = "周一至周六 9:00-12:00, 13:30-17:00"
NOON_HOURS = "周一至周五 9:00-17:00（午间不间断）"

# The centre's own office runs the comprehensive windows (综合受理窗口, 一窗受理).
CENTRE_DEPARTMENT = "ZWB"


@dataclass(frozen=True)
class DepartmentData:
    code: str
    name: str
    contact_phone: str
    head_name: str


@dataclass(frozen=True)
class WindowData:
    number: str
    name: str
    department: str
    zone: str
    opening_hours: str = STANDARD_HOURS
    is_open: bool = True


DEPARTMENTS: tuple[DepartmentData, ...] = (
    DepartmentData("SCJG", "市场监督管理局", "0571-87020101", "陈建国"),
    DepartmentData("GA", "公安局", "0571-87020102", "刘志强"),
    DepartmentData("RS", "人力资源和社会保障局", "0571-87020103", "王丽华"),
    DepartmentData("ZJ", "住房和城乡建设局", "0571-87020104", "赵文斌"),
    DepartmentData("ZR", "自然资源和规划局", "0571-87020105", "孙海涛"),
    DepartmentData("HB", "生态环境局", "0571-87020106", "周晓燕"),
    DepartmentData("WJ", "卫生健康委员会", "0571-87020107", "吴明辉"),
    DepartmentData("JT", "交通运输局", "0571-87020108", "郑凯"),
    DepartmentData("MZ", "民政局", "0571-87020109", "冯淑芬"),
    DepartmentData("SW", "税务局", "0571-87020110", "何永红"),
    DepartmentData("YB", "医疗保障局", "0571-87020111", "许静"),
    DepartmentData("BDC", "不动产登记中心", "0571-87020112", "马骏"),
    DepartmentData("JY", "教育局", "0571-87020113", "朱建平"),
    DepartmentData("WG", "文化广电旅游体育局", "0571-87020114", "胡晓明"),
    DepartmentData("NY", "农业农村局", "0571-87020115", "林国庆"),
    DepartmentData("SL", "水利局", "0571-87020116", "高峰"),
    DepartmentData("YJ", "应急管理局", "0571-87020117", "罗振华"),
    DepartmentData("GJJ", "住房公积金管理中心", "0571-87020118", "梁雪梅"),
    DepartmentData(CENTRE_DEPARTMENT, "政务服务管理办公室", "0571-87020100", "唐立新"),
)

_A = "A区 商事登记"
_B = "B区 不动产"
_C = "C区 社保医保"
_D = "D区 工程建设"
_E = "E区 农业文旅"

WINDOWS: tuple[WindowData, ...] = (
    WindowData("A01", "综合受理窗口（企业开办）", CENTRE_DEPARTMENT, _A, SATURDAY_HOURS),
    WindowData("A02", "综合受理窗口（商事）", CENTRE_DEPARTMENT, _A),
    WindowData("A03", "市场主体登记", "SCJG", _A, SATURDAY_HOURS),
    WindowData("A04", "市场主体登记", "SCJG", _A),
    WindowData("A05", "食品药品许可", "SCJG", _A),
    WindowData("A06", "特种设备与计量", "SCJG", _A),
    WindowData("A07", "税务登记与发票", "SW", _A, NOON_HOURS),
    WindowData("A08", "税务综合", "SW", _A),
    WindowData("A09", "公安 治安与印章", "GA", _A),
    WindowData("A10", "文化旅游体育", "WG", _A),
    WindowData("B01", "综合受理窗口（不动产）", CENTRE_DEPARTMENT, _B),
    WindowData("B02", "不动产登记", "BDC", _B, SATURDAY_HOURS),
    WindowData("B03", "不动产登记", "BDC", _B),
    WindowData("B04", "不动产登记", "BDC", _B, is_open=False),
    WindowData("B05", "不动产交易税费", "SW", _B),
    WindowData("B06", "住房公积金", "GJJ", _B),
    WindowData("B07", "住房公积金", "GJJ", _B),
    WindowData("C01", "综合受理窗口（社会事务）", CENTRE_DEPARTMENT, _C),
    WindowData("C02", "社会保险", "RS", _C),
    WindowData("C03", "社会保险", "RS", _C),
    WindowData("C04", "就业与人才", "RS", _C),
    WindowData("C05", "医疗保障", "YB", _C),
    WindowData("C06", "医疗保障", "YB", _C),
    WindowData("C07", "民政事务", "MZ", _C),
    WindowData("C08", "卫生健康", "WJ", _C),
    WindowData("C09", "户籍与出入境", "GA", _C, SATURDAY_HOURS),
    WindowData("C10", "教育服务", "JY", _C),
    WindowData("D01", "综合受理窗口（工程建设项目）", CENTRE_DEPARTMENT, _D),
    WindowData("D02", "规划与用地", "ZR", _D),
    WindowData("D03", "规划与用地", "ZR", _D),
    WindowData("D04", "建筑工程施工许可", "ZJ", _D),
    WindowData("D05", "房产与建设工程", "ZJ", _D),
    WindowData("D06", "生态环境", "HB", _D),
    WindowData("D07", "水利", "SL", _D),
    WindowData("D08", "交通运输", "JT", _D),
    WindowData("D09", "交通运输", "JT", _D, is_open=False),
    WindowData("D10", "应急管理", "YJ", _D),
    WindowData("E01", "农业农村", "NY", _E),
    WindowData("E02", "文化广电旅游体育", "WG", _E, is_open=False),
)

# Which comprehensive window takes a department's items under 一窗受理 (besides its own windows).
COMPREHENSIVE_WINDOW = {
    "SCJG": "A02",
    "SW": "A02",
    "GA": "A02",
    "WG": "A02",
    "BDC": "B01",
    "GJJ": "B01",
    "RS": "C01",
    "YB": "C01",
    "MZ": "C01",
    "WJ": "C01",
    "JY": "C01",
    "NY": "C01",
    "ZR": "D01",
    "ZJ": "D01",
    "HB": "D01",
    "SL": "D01",
    "JT": "D01",
    "YJ": "D01",
}
