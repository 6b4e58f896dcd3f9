#!/usr/bin/env python3
"""Writes the transfer-list (交办清单) fixtures of issue #20 and what each must read as.

Each layout an inspection team sends is drawn here once, from one table of complaints, and
written as a clean file and a defective variant, with `transfer.expected.json` beside them:
per file, the complaints field by field (as the reader must give them, e.g. the region
normalised) and the exact cells of every error and warning.

    pip install openpyxl xlwt   # once
    python3 scripts/transfer_fixtures.py

Writes crates/rectify-io/tests/data/transfer/. The outputs are committed; run this again
after changing it and commit what changed. Output is deterministic.
"""

import csv
import io
import json
import os
import zipfile

import openpyxl
import xlwt
from openpyxl.styles import Alignment

OUT = os.path.join(os.path.dirname(__file__), "..", "crates", "rectify-io", "tests", "data", "transfer")
TEAM = "中央第一生态环境保护督察组"


def letter(col):
    s = ""
    n = col + 1
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def complaint(seq, no, desc, region, types, *, raw_region=None, raw_types=None, inv="", verdict="",
              result="", acc="", state="", remarks="", key_case=False):
    return {
        "seq": seq, "received_no": no, "description": desc, "region": region,
        "raw_region": raw_region if raw_region is not None else region,
        "types": types, "types_raw": raw_types if raw_types is not None else "、".join(types),
        "investigation": inv, "verdict": verdict, "result": result, "accountability": acc,
        "state": state, "remarks": remarks, "key_case": key_case,
    }


BATCH_1 = [
    complaint(1, "D1HA201806030101", "城关区东风路街道幸福里小区南侧一家烧烤店，每天晚上油烟直排，噪声扰民到凌晨。",
              "城关区", ["大气", "噪声"], raw_region="河安市城关区", raw_types="大气，噪声",
              inv="经城关区城管局现场核查，该烧烤店未安装油烟净化设施，露天经营至深夜。", verdict="属实",
              result="责令该店安装油烟净化设施并停止露天经营，已整改完成。", acc="无", state="已办结",
              remarks="重点件", key_case=True),
    complaint(2, "X1HA201806030102", "北岭县北岭镇沙坡村附近一家陶粒厂夜间偷排废气，气味刺鼻。",
              "北岭县", ["大气"], raw_region="北岭县\u3000"),
    complaint(3, "D1HA201806040103", "北岭县白河镇一家石料厂粉尘污染严重，周边农田落满灰尘。",
              "北岭县", ["大气"], inv="经北岭县生态环境分局核查，该厂料场未苫盖。", verdict="基本属实",
              result="责令停产整改，完成料场全封闭后恢复生产。", acc="对白河镇分管负责人进行约谈", state="阶段性办结"),
]
BATCH_2 = [
    complaint(1, "D1HA201806100201", "南川县白河镇西山村山坡上有人倾倒建筑垃圾，堆了一大片。",
              "南川县", ["固废"], raw_types="垃圾"),
    complaint(2, "W1HA201806100202", "临江市城南街道一家KTV夜间噪声扰民，多次反映未解决。",
              "临江市", ["噪声"], raw_region="河安市临江市", remarks="群众多次反映"),
]
BATCH_4 = [
    complaint(1, "D1HA201806060401", "东湖区龙泉镇前营村一家养殖场粪污直排河道，河水发黑发臭。",
              "东湖区", ["水"], inv="经东湖区农业农村局核查，该养殖场无粪污处理设施。", verdict="属实",
              result="责令关停，已拆除。", acc="无", state="已办结"),
    complaint(2, "X1HA201806060402", "河安高新区高新一路一家喷漆厂白天晚上都有油漆味。",
              "河安高新区", ["大气"]),
]
BATCH_5 = [
    complaint(1, "D1HA201806070501", "城关区柳园街道柳园村东的几家小型洗涤厂，洗涤废水通过暗管排放。",
              "城关区", ["水"]),
    complaint(2, "D1HA201806070502", "北岭县城北一家混凝土搅拌站夜间施工噪声大，粉尘多。",
              "北岭县", ["噪声", "大气"], raw_types="噪声/大气"),
]
BATCH_6 = [
    complaint(1, "D1HA201806090601", "南川县王店镇王店村以东一家橡胶厂废气扰民，夜间尤其严重。",
              "南川县", ["大气"], inv="经南川县生态环境分局夜查，该厂废气处理设施未运行。", verdict="部分属实",
              result="责令整改并立案处罚。", acc="无", state="已办结"),
    complaint(2, "X1HA201806090602", "城关区东沙河解放路桥至建设路桥河段，河水发黑发臭。",
              "城关区", ["水"], remarks="重点件，市领导批示", key_case=True),
    complaint(3, "D1HA201806090603", "东湖区东湖公园南门一家饭店油烟直排。",
              "东湖区", ["大气"], raw_types="大气\u3000"),
]


class Drawing:
    """A sheet being drawn: rows of cell values, merges, and where each complaint landed."""

    def __init__(self, name):
        self.name = name
        self.rows = []
        self.merges = []  # (first_row, first_col, last_row, last_col), 0-based
        self.placed = []  # (batch, date, complaint, 0-based row)

    def row(self, cells):
        self.rows.append(list(cells))
        return len(self.rows) - 1

    def merged_row(self, text, width):
        r = self.row([text] + [None] * (width - 1))
        self.merges.append((r, 0, r, width - 1))
        return r


def cell_values(c, columns):
    values = {
        "序号": c["seq"], "受理编号": c["received_no"], "交办问题基本情况": c["description"],
        "行政区域": c["raw_region"], "污染类型": c["types_raw"], "调查核实情况": c["investigation"],
        "是否属实": c["verdict"], "处理和整改情况": c["result"], "责任人被处理情况": c["accountability"],
        "办理状态": c["state"], "备注": c["remarks"],
    }
    return [values[key] if values[key] != "" else None for key, _ in columns]


# -- the layouts -----------------------------------------------------------------------------

# One sheet, two batches separated by batch rows; a title, an info row, a two-row header with
# the group header 办理情况 over four sub-columns (the others merged down both rows), columns
# out of the usual order, a blank row, a vertically merged 污染类型, 备注, and a footnote.
COMBINED = [
    ("序号", "序号"), ("受理编号", "受理\n编号"), ("行政区域", "行政区域"), ("交办问题基本情况", "交办问题\n基本情况"),
    ("污染类型", "污染类型"), ("调查核实情况", "调查核实情况"), ("是否属实", "是否属实"),
    ("处理和整改情况", "处理和整改情况"), ("责任人被处理情况", "责任人被处理情况（问责情况）"),
    ("办理状态", "办理状态"), ("备注", "备注"),
]


def combined(defective):
    d = Drawing("汇总")
    width = len(COMBINED)
    d.merged_row(f"{TEAM}交办群众信访举报件办理情况汇总表", width)
    d.merged_row("填报单位：河安市生态环境保护督察整改工作领导小组办公室　　填报时间：2018年6月20日", width)
    top = d.row([label if key not in GROUPED else None for key, label in COMBINED])
    bottom = d.row([label if key in GROUPED else None for key, label in COMBINED])
    first_group = min(i for i, (k, _) in enumerate(COMBINED) if k in GROUPED)
    d.rows[top][first_group] = "办理情况"
    d.merges.append((top, first_group, top, first_group + len(GROUPED) - 1))
    for i, (key, _) in enumerate(COMBINED):
        if key not in GROUPED:
            d.merges.append((top, i, bottom, i))
    errors, warnings = [], []
    batches = [(1, "2018-06-05", "第1批（2018年6月5日交办）", BATCH_1),
               (2, "2018-06-12", "第2批（2018年6月12日交办）", BATCH_2)]
    types_col = [k for k, _ in COMBINED].index("污染类型")
    for number, date, label, complaints in batches:
        if number == 2:
            d.row([None] * width)  # a blank row between the batches
            d.row([label] + [None] * (width - 1))  # a batch row that is not merged
        else:
            d.merged_row(label, width)
        for c in complaints:
            c = dict(c)
            if defective and c["received_no"] == "W1HA201806100202":
                c["raw_region"] = ""
            if defective and c["received_no"] == "D1HA201806030101":
                c["verdict"] = "待核实"
            if defective and c["received_no"] == "D1HA201806040103":
                c["seq"] = 2
            r = d.row(cell_values(c, COMBINED))
            d.placed.append((number, date, c, r))
    # 污染类型 of batch 1's second and third complaints: one cell merged down both rows.
    second, third = d.placed[1][3], d.placed[2][3]
    d.rows[third][types_col] = None
    d.merges.append((second, types_col, third, types_col))
    warnings.append(f"{letter(types_col)}{second + 1}")
    # batch 2's 垃圾 is mapped to 固废 with a warning
    warnings.append(f"{letter(types_col)}{d.placed[3][3] + 1}")
    # 污染类型 "大气，噪声" written with a full-width comma reads without a warning.
    d.merged_row("注：1.本表由市督察整改办汇总；2.“是否属实”填属实、基本属实、部分属实或不属实。", width)
    if defective:
        col = {k: letter(i) for i, (k, _) in enumerate(COMBINED)}
        errors = [f"{col['是否属实']}{d.placed[0][3] + 1}", f"{col['序号']}{d.placed[2][3] + 1}",
                  f"{col['行政区域']}{d.placed[4][3] + 1}"]
    return [d], errors, warnings


GROUPED = ("调查核实情况", "是否属实", "处理和整改情况", "责任人被处理情况")

# One sheet per batch, as the teams first sent them, in the legacy .xls format: a merged title
# naming the batch, a 交办时间 line, a one-row header with line breaks, columns reordered.
LEGACY = [
    ("序号", "序号"), ("受理编号", "受理\n编号"), ("行政区域", "行政\n区域"), ("污染类型", "污染类型"),
    ("交办问题基本情况", "交办问题基本情况"), ("调查核实情况", "调查核实情况"), ("是否属实", "是否属实"),
    ("处理和整改情况", "处理和整改情况"), ("责任人被处理情况", "责任人被处理情况"), ("办理状态", "办理状态"),
]


def legacy(defective):
    sheets, errors = [], []
    for number, date, chinese, complaints in [(4, "2018-06-08", "2018年6月8日", BATCH_4),
                                              (5, "2018-06-09", "2018年6月9日", BATCH_5)]:
        d = Drawing(f"第{number}批")
        width = len(LEGACY)
        d.merged_row(f"{TEAM}交办群众信访举报件（第{number}批）", width)
        d.merged_row(f"交办时间：{chinese}", width)
        d.row([label for _, label in LEGACY])
        for c in complaints:
            c = dict(c)
            if defective and c["received_no"] == "D1HA201806070502":
                c["types_raw"] = ""
                errors.append(f"{d.name}!D{len(d.rows) + 1}")
            if defective and c["received_no"] == "X1HA201806060402":
                c["received_no"] = "1HA201806060402"
                errors.append(f"{d.name}!B{len(d.rows) + 1}")
            d.placed.append((number, date, c, d.row(cell_values(c, LEGACY))))
        sheets.append(d)
    warnings = []
    return sheets, errors, warnings


# A CSV as Excel saves it: synonyms for every header, an info row split over cells, a footnote.
CSV_COLUMNS = [
    ("序号", "序号"), ("受理编号", "信访编号"), ("交办问题基本情况", "反映问题"), ("行政区域", "所属区县"),
    ("污染类型", "污染类型"), ("调查核实情况", "核查情况"), ("是否属实", "是否属实"),
    ("处理和整改情况", "办理结果"), ("责任人被处理情况", "问责情况"), ("办理状态", "办结情况"), ("备注", "备注"),
]


def csv_layout(defective):
    d = Drawing("transfer")
    d.row([f"{TEAM}交办群众信访举报件（第6批）"])
    d.row(["交办时间：2018年6月10日"])
    d.row(["填报单位：河安市整改办", None, "填报时间：2018年6月20日"])
    d.row([label for _, label in CSV_COLUMNS])
    errors = []
    for c in BATCH_6:
        c = dict(c)
        if defective and c["received_no"] == "D1HA201806090603":
            c["raw_region"] = ""
            errors.append(f"D{len(d.rows) + 1}")
        d.placed.append((6, "2018-06-10", c, d.row(cell_values(c, CSV_COLUMNS))))
    d.row(["注：本表由河安市督察整改办汇总。"])
    return [d], errors, []


# A list with no batch anywhere: an error unless the importer gives --batch/--transferred-on.
def no_batch(_defective):
    d = Drawing("transfer-no-batch")
    d.row([label for _, label in CSV_COLUMNS])
    for c in BATCH_5:
        d.placed.append((7, "2018-06-15", dict(c), d.row(cell_values(c, CSV_COLUMNS))))
    return [d], [], []


# -- writers ---------------------------------------------------------------------------------

def write_xlsx(path, sheets):
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for d in sheets:
        ws = wb.create_sheet(d.name)
        for r, row in enumerate(d.rows):
            for c, value in enumerate(row):
                if value is not None:
                    cell = ws.cell(row=r + 1, column=c + 1, value=value)
                    cell.alignment = Alignment(wrap_text=True, vertical="center")
        for r1, c1, r2, c2 in d.merges:
            ws.merge_cells(start_row=r1 + 1, start_column=c1 + 1, end_row=r2 + 1, end_column=c2 + 1)
    buffer = io.BytesIO()
    wb.save(buffer)
    with open(path, "wb") as f:
        f.write(stable_zip(buffer.getvalue()))


def stable_zip(data):
    """The same bytes on every run: openpyxl stamps the time into docProps/core.xml and the zip."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                import re
                body = re.sub(rb"<dcterms:(created|modified)([^>]*)>[^<]*<",
                              rb"<dcterms:\1\2>2018-06-20T00:00:00Z<", body)
            fixed = zipfile.ZipInfo(info.filename, date_time=(2018, 6, 20, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, body)
    return out.getvalue()


def write_xls(path, sheets):
    wb = xlwt.Workbook(encoding="utf-8")
    wrap = xlwt.easyxf("align: wrap on, vert centre")
    for d in sheets:
        ws = wb.add_sheet(d.name)
        merged = {(r1, c1): (r2, c2) for r1, c1, r2, c2 in d.merges}
        covered = {(r, c) for r1, c1, r2, c2 in d.merges
                   for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}
        for r, row in enumerate(d.rows):
            for c, value in enumerate(row):
                if (r, c) in merged:
                    r2, c2 = merged[(r, c)]
                    ws.write_merge(r, r2, c, c2, value, wrap)
                elif value is not None and (r, c) not in covered:
                    ws.write(r, c, value, wrap)
    wb.save(path)


def write_csv(path, sheets, encoding):
    (d,) = sheets
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    for row in d.rows:
        writer.writerow(["" if v is None else v for v in row])
    with open(path, "wb") as f:
        f.write(text.getvalue().encode(encoding))


# -- expectations ----------------------------------------------------------------------------

def expected(sheets, errors, warnings, single_sheet):
    def at(name, cell):
        return cell if "!" in cell else f"{name}!{cell}"
    name = sheets[0].name
    complaints = []
    for d in sheets:
        for number, date, c, r in d.placed:
            extras = [{"label": "备注", "text": c["remarks"]}] if c["remarks"] else []
            complaints.append({
                "sheet": d.name, "row": r + 1, "batch": number, "transferred_on": date,
                "seq": c["seq"], "received_no": c["received_no"], "region": c["region"],
                "types": c["types"], "types_raw": c["types_raw"].strip(), "description": c["description"],
                "investigation": c["investigation"], "verdict": c["verdict"] or None,
                "result": c["result"], "accountability": c["accountability"], "state": c["state"] or None,
                "key_case": c["key_case"], "extras": extras,
            })
    return {
        "source": TEAM if sheets[0].rows[0][0].startswith(TEAM) else None,
        "complaints": complaints,
        "errors": [at(name, e) for e in errors],
        "warnings": [at(name, w) for w in warnings],
    }


def main():
    os.makedirs(OUT, exist_ok=True)
    manifest = {}
    plans = [
        ("combined-batches.xlsx", combined, write_xlsx),
        ("legacy-per-batch.xls", legacy, write_xls),
        ("synonyms.csv", csv_layout, lambda p, s: write_csv(p, s, "utf-8-sig")),
        ("synonyms-gb18030.csv", csv_layout, lambda p, s: write_csv(p, s, "gb18030")),
        ("no-batch.csv", no_batch, lambda p, s: write_csv(p, s, "utf-8")),
    ]
    for name, layout, write in plans:
        variants = [(name, False)]
        if layout is not no_batch:
            stem, ext = name.rsplit(".", 1)
            variants.append((f"{stem}-defects.{ext}", True))
        for file, defective in variants:
            sheets, errors, warnings = layout(defective)
            if file.endswith(".csv"):
                sheets[0].name = file.rsplit(".", 1)[0]
            write(os.path.join(OUT, file), sheets)
            data = expected(sheets, errors, warnings, len(sheets) == 1)
            if defective:
                data["complaints"] = []  # a list with errors is never written: only the cells count
            manifest[file] = data
    with open(os.path.join(OUT, "transfer.expected.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
