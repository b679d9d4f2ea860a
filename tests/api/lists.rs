//! The three lists, built from hazards: each list's own columns, filters that filter, a unit's
//! own hazards only, CSV (BOM, formulas defused) and XLSX (opened here with calamine), the
//! printable page, every export audited; and the import from CSV and XLSX, all or nothing, with
//! each refusal.

use crate::helpers::*;
use crate::on_both_backends;
use calamine::{Data, DataType, Reader, Xlsx};
use chrono::Duration;
use serde_json::json;

const IMPORT: &str = "/api/v1/staff/hazards/import";
const CODE_A: &str = "91350206MA2Y0K7T19";
const CODE_B: &str = "91350206MA31B4CX0R";
const CODE_C: &str = "92350206MA2XK3L807";

/// The import's columns by their Chinese titles, as a sub-district's sheet would have them.
const HEADER: [&str; 18] = [
    "隐患来源",
    "生产经营单位",
    "统一社会信用代码",
    "地址",
    "行业领域",
    "街道",
    "隐患描述",
    "隐患等级",
    "重大隐患判定依据",
    "发现日期",
    "主管部门",
    "企业主体责任人",
    "部门监管责任人",
    "属地责任人",
    "包保领导",
    "整改措施",
    "整改期限",
    "停产停业整改",
];

/// A row under [`HEADER`]: a sub-district's finding at a restaurant, with some cells replaced.
fn row(app: &TestApp, over: &[(&str, &str)]) -> Vec<String> {
    let found = app.today().to_string();
    let deadline = (app.today() + Duration::days(20)).to_string();
    let defaults = [
        "属地检查",
        "厦门某某餐饮有限公司",
        CODE_A,
        "江头北路 1 号",
        "城镇燃气",
        "江头街道",
        "后厨液化石油气钢瓶与灶具间距不足",
        "一般隐患",
        "",
        &found,
        "区消防救援大队",
        "王某某",
        "李某某",
        "陈某某",
        "张某某",
        "钢瓶移至独立气瓶间",
        &deadline,
        "否",
    ];
    HEADER
        .iter()
        .zip(defaults)
        .map(|(h, d)| {
            let v = over.iter().find(|(k, _)| k == h).map_or(d, |(_, v)| *v);
            v.to_owned()
        })
        .collect()
}

/// A CSV file (UTF-8 with a BOM, as Excel writes "CSV UTF-8").
fn csv_file(header: &[&str], rows: &[Vec<String>]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer("\u{feff}".as_bytes().to_vec());
    w.write_record(header).unwrap();
    for r in rows {
        w.write_record(r).unwrap();
    }
    w.into_inner().unwrap()
}

/// Imports a CSV of these rows under [`HEADER`].
fn import_csv(who: &StaffClient, rows: &[Vec<String>]) -> Answer {
    post_file(who, "h.csv", csv_file(&HEADER, rows))
}

/// Uploads a file to the import.
fn post_file(who: &StaffClient, name: &str, bytes: Vec<u8>) -> Answer {
    who.post_multipart(
        IMPORT,
        &[],
        &[("file", name, "application/octet-stream", bytes)],
    )
}

/// A CSV answer's cells (BOM dropped).
fn table(a: &Answer) -> Vec<Vec<String>> {
    let text = a.text.trim_start_matches('\u{feff}');
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

/// The data rows of a list (header dropped).
fn listed(who: &StaffClient, path: &str) -> Vec<Vec<String>> {
    let a = who.get(path);
    assert_eq!(a.status, 200, "{path}: {}", a.text);
    table(&a).into_iter().skip(1).collect()
}

/// The first sheet of a workbook: its name and cells.
fn sheet(bytes: Vec<u8>, n: usize) -> (String, calamine::Range<Data>) {
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let name = book.sheet_names()[n].clone();
    (name, book.worksheet_range_at(n).unwrap().unwrap())
}

/// The id of the hazard with this number (imported hazards answer only their count), from its
/// enterprise's answer.
fn hazard_id(who: &StaffClient, number: &str) -> i64 {
    let found = who.get(&format!("/api/v1/staff/enterprises?q={CODE_A}"));
    let enterprise = found.json["items"][0]["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("{}", found.text));
    let one = who.get(&format!("/api/v1/staff/enterprises/{enterprise}"));
    one.json["hazards"]
        .as_array()
        .and_then(|h| h.iter().find(|h| h["number"] == json!(number)))
        .and_then(|h| h["id"].as_i64())
        .unwrap_or_else(|| panic!("{number}: {}", one.text))
}

fn count(who: &StaffClient) -> usize {
    listed(who, "/api/v1/staff/lists/hazards.csv").len()
}

on_both_backends! {
    fn the_three_lists_are_built_from_hazards_with_their_own_columns(app) {
        let officer = app.staff("fire.officer", "officer", Some("fire"));
        let coord = app.staff("coord", "coordinator", None);
        let mut tip = anonymous_tip("fire_safety");
        tip["enterprise"] = json!("=HYPERLINK(\"http://evil\")");
        // Full-width lookalikes that spreadsheets evaluate too.
        tip["address"] = json!("＋江头北路216号负一楼");
        let worked = app.submit(&tip)["case_number"].as_str().unwrap().to_owned();
        let untouched = app.new_case("fire_safety");
        officer.steps(&worked, &["accept", "start_verification", "substantiate"]);
        let deadline = (app.today() + Duration::days(20)).to_string();
        let r = officer.act(&worked, json!({"action": "order_rectification", "deadline": deadline, "responsible_party": "某某商场物业公司", "measures": "拆除铁链，疏通安全出口", "suspend_operations": true}));
        assert_eq!(r.status, 200, "{}", r.text);
        let imported = import_csv(&coord, &[row(&app, &[])]);
        assert_eq!((imported.status, &imported.json["imported"]), (200, &json!(1)), "{}", imported.text);

        let hazards = officer.get("/api/v1/staff/lists/hazards.csv");
        assert_eq!(hazards.content_type.as_deref(), Some("text/csv; charset=utf-8"));
        assert!(hazards.text.starts_with('\u{feff}'));
        let t = table(&hazards);
        assert_eq!(t[0], ["隐患编号", "案件编号", "生产经营单位", "统一社会信用代码", "地址", "街道", "隐患描述", "隐患等级", "重大隐患判定依据", "隐患来源", "发现日期", "主管部门", "状态", "挂牌督办"]);
        assert_eq!(t.len(), 3, "the ordered tip's hazard and the imported one, not the untouched tip: {t:?}");
        assert!(!hazards.text.contains(&untouched));
        let from_tip = t.iter().find(|r| r[1] == worked).expect("the tip's hazard names its case");
        assert!(from_tip[0].starts_with("YH-"), "{from_tip:?}");
        let today = app.today().to_string();
        assert_eq!(from_tip[2..], ["'=HYPERLINK(\"http://evil\")", "", "'＋江头北路216号负一楼", "江头街道", "后厨堆放了七八个液化气瓶，地下室不通风，闻到怪味。", "重大隐患", "", "群众举报", today.as_str(), "区消防救援大队", "整改中", ""]);
        let found = t.iter().find(|r| r[1].is_empty()).unwrap();
        assert_eq!(found[2..6], ["厦门某某餐饮有限公司", CODE_A, "江头北路 1 号", "江头街道"]);
        assert_eq!((found[7].as_str(), found[9].as_str()), ("一般隐患", "属地检查"));

        let rect = table(&officer.get("/api/v1/staff/lists/rectifications.csv"));
        assert_eq!(rect[0], ["隐患编号", "案件编号", "生产经营单位", "隐患描述", "整改措施", "整改期限", "原整改期限", "整改进展", "整改完成日期", "复查人", "复查日期", "复查结果", "销号日期", "停产停业 / 复工"]);
        let r = rect.iter().find(|r| r[1] == worked).unwrap();
        assert_eq!(r[4..8], ["拆除铁链，疏通安全出口", deadline.as_str(), "", "整改中"]);
        assert_eq!(r[13], "停产停业整改");

        let resp = table(&officer.get("/api/v1/staff/lists/responsibilities.csv"));
        assert_eq!(resp[0], ["隐患编号", "案件编号", "生产经营单位", "隐患描述", "隐患等级", "主管部门", "企业主体责任人", "部门监管责任人", "街道", "属地责任人", "包保领导", "状态"]);
        let r = resp.iter().find(|r| r[1].is_empty()).unwrap();
        assert_eq!(r[5..], ["区消防救援大队", "王某某", "李某某", "江头街道", "陈某某", "张某某", "整改中"]);
        let r = resp.iter().find(|r| r[1] == worked).unwrap();
        assert_eq!(r[6], "某某商场物业公司", "the tip's responsible party is the enterprise's responsible person");

        let en = officer.get("/api/v1/staff/lists/hazards.csv?lang=en");
        assert!(en.text.contains("\"Hazard no.\",\"Case\",\"Enterprise\""), "{}", en.text);
        assert!(en.text.contains("Sub-district inspection"));
        assert_eq!(officer.get("/api/v1/staff/lists/everything.csv").status, 404);
        assert_eq!(officer.get("/api/v1/staff/lists/hazards.pdf").status, 404);
        assert_eq!(app.staff("fin", "finance", None).get("/api/v1/staff/lists/hazards.csv").status, 403);

        // The page: every row links to its hazard, the case number to its case.
        let page = officer.get("/staff/lists/hazards");
        assert_eq!(page.status, 200);
        assert!(page.text.contains("href=\"/staff/hazards/"), "{}", page.text);
        assert!(page.text.contains(&format!("href=\"/staff/tips/{worked}\"")));
        assert!(page.text.contains("id=\"campaign-count\""));

        let audit = coord.get("/api/v1/staff/audit");
        let entries = audit.json["entries"].as_array().unwrap();
        let exports = entries.iter().filter(|e| e["action"] == "export").count();
        assert_eq!(exports, 4, "each file, not the page");
        assert_eq!(entries.iter().filter(|e| e["action"] == "hazards_import").count(), 1);
    }

    fn the_filters_filter_and_a_unit_sees_what_it_supervises_or_hosts(app) {
        let coord = app.staff("coord", "coordinator", None);
        let day = |n: i64| (app.today() - Duration::days(n)).to_string();
        let (d10, d5, d0, d20) = (day(10), day(5), day(0), day(20));
        let rows = [
            row(&app, &[("隐患描述", "甲：江头消防"), ("发现日期", &d10)]),
            row(&app, &[("隐患描述", "乙：湖里市场重大"), ("街道", "湖里街道"), ("主管部门", "market"), ("隐患来源", "企业自查"), ("隐患等级", "重大隐患"), ("重大隐患判定依据", "《重大事故隐患判定标准》第三条"), ("发现日期", &d5)]),
            row(&app, &[("隐患描述", "丙：湖里消防"), ("街道", "huli"), ("隐患来源", "department_inspection"), ("发现日期", &d0)]),
            row(&app, &[("隐患描述", "丁：殿前建设"), ("街道", "殿前街道"), ("主管部门", "区建设局"), ("隐患来源", "联合检查"), ("发现日期", &d20)]),
        ];
        let a = import_csv(&coord, &rows);
        assert_eq!(a.status, 200, "{}", a.text);
        let names = |q: &str| -> Vec<String> {
            let mut v: Vec<String> = listed(&coord, &format!("/api/v1/staff/lists/hazards.csv{q}")).iter().map(|r| r[6].chars().next().unwrap().to_string()).collect();
            v.sort();
            v
        };
        assert_eq!(names(""), ["丁", "丙", "乙", "甲"]);
        assert_eq!(names("?street=huli"), ["丙", "乙"]);
        assert_eq!(names("?department=fire"), ["丙", "甲"]);
        assert_eq!(names("?street=huli&department=fire"), ["丙"]);
        assert_eq!(names("?source=self_inspection"), ["乙"]);
        assert_eq!(names("?grade=major"), ["乙"]);
        assert_eq!(names(&format!("?from={}", day(6))), ["丙", "乙"]);
        assert_eq!(names(&format!("?to={}", day(6))), ["丁", "甲"]);
        assert_eq!(names(&format!("?from={}&to={}", day(12), day(4))), ["乙", "甲"]);
        assert_eq!(names("?status=closed"), Vec::<String>::new());
        // 丁 is rectified (reported by the hosting sub-district) and passes its review by the
        // coordinator: 销号.
        let number = listed(&coord, "/api/v1/staff/lists/hazards.csv?source=joint_inspection")[0][0].clone();
        let steps = format!("/api/v1/staff/hazards/{}/actions", hazard_id(&coord, &number));
        let dianqian = app.staff("dianqian.reporter", "officer", Some("dianqian"));
        let done = dianqian.post(&steps, &json!({"action": "report_rectified", "completed_on": d0, "note": "已完成整改"}));
        assert_eq!(done.status, 200, "{}", done.text);
        assert_eq!(names("?status=closed"), Vec::<String>::new(), "rectified is not closed yet");
        let passed = coord.post(&steps, &json!({"action": "review", "decision": "pass", "note": "复查合格"}));
        assert_eq!((passed.status, &passed.json["status"]), (200, &json!("closed")), "{}", passed.text);
        assert_eq!(names("?status=closed"), ["丁"]);
        assert_eq!(names("?status=open"), ["丙", "乙", "甲"]);
        let rect = listed(&coord, "/api/v1/staff/lists/rectifications.csv?status=closed");
        assert_eq!((rect[0][8].as_str(), rect[0][12].as_str()), (d0.as_str(), d0.as_str()), "整改完成日期, 销号日期: {rect:?}");

        // The same filters on the files in both formats, and refused filters.
        let (status, ct, bytes) = coord.get_bytes("/api/v1/staff/lists/responsibilities.xlsx?street=huli");
        assert_eq!((status, ct.as_deref()), (200, Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")));
        assert_eq!(sheet(bytes, 0).1.height(), 3, "header and two rows");
        let bad = coord.get("/api/v1/staff/lists/hazards.csv?street=nowhere&from=yesterday");
        assert_eq!(bad.status, 422);
        assert!(bad.json["fields"]["street"].is_array() && bad.json["fields"]["from"].is_array(), "{}", bad.text);
        let page = coord.get("/staff/lists/hazards?street=nowhere");
        assert_eq!(page.status, 422);
        assert!(page.text.contains("请从列表中选择街道"), "{}", page.text);

        // The page: the filters as typed, the export links carrying them, the campaign's count.
        let page = coord.get("/staff/lists/rectifications?street=huli&grade=major");
        assert_eq!(page.status, 200);
        assert!(page.text.contains("乙：湖里市场重大") && !page.text.contains("丙：湖里消防"));
        assert!(page.text.contains("/api/v1/staff/lists/rectifications.xlsx?street=huli&amp;grade=major&amp;lang=zh-CN"), "{}", page.text);
        assert!(page.text.contains("/staff/lists/rectifications/print?street=huli&amp;grade=major"));
        assert!(page.text.contains("仍有 3 项隐患未销号"), "the campaign ended on 2026-09-30: {}", page.text);
        let print = coord.get("/staff/lists/hazards/print?department=fire");
        assert_eq!(print.status, 200);
        assert!(print.text.contains("甲：江头消防") && print.text.contains("丙：湖里消防") && !print.text.contains("乙："));
        assert!(!print.text.contains("staff-nav"), "the printable view has no navigation");

        // Who sees what: the supervising department, the hosting sub-district, everyone above.
        let seen = |who: &StaffClient| -> usize { listed(who, "/api/v1/staff/lists/hazards.csv").len() };
        assert_eq!(seen(&app.staff("fire.officer", "officer", Some("fire"))), 2);
        assert_eq!(seen(&app.staff("market.head", "head", Some("market"))), 1);
        assert_eq!(seen(&app.staff("huli.officer", "officer", Some("huli"))), 2);
        assert_eq!(seen(&app.staff("insp", "inspector", None)), 4);
        let street = app.staff("dianqian.officer", "officer", Some("dianqian"));
        assert_eq!(listed(&street, "/api/v1/staff/lists/hazards.csv?department=fire").len(), 0);
    }

    fn the_page_counts_the_hazards_that_will_still_be_open_past_the_campaigns_end(backend: Backend) {
        let ends = chrono::Utc::now().date_naive() + Duration::days(30);
        let app = TestApp::spawn_with(backend, |f| f.merge(("campaign", json!({"name": "专项整治", "starts": "2026-04-01", "ends": ends.to_string()}))));
        let coord = app.staff("coord", "coordinator", None);
        let late = (app.today() + Duration::days(40)).to_string();
        let a = import_csv(&coord, &[row(&app, &[]), row(&app, &[("整改期限", &late)])]);
        assert_eq!(a.status, 200, "{}", a.text);
        let page = coord.get("/staff/lists/responsibilities");
        let expected = format!("专项整治：尚有 2 项隐患未销号，其中 1 项的整改期限晚于专项行动截止日（{ends}）。");
        assert!(page.text.contains(&expected), "{}", page.text);
    }

    fn the_xlsx_files_have_chinese_headers_dates_and_the_template_its_notes(app) {
        let coord = app.staff("coord", "coordinator", None);
        assert_eq!(import_csv(&coord, &[row(&app, &[])]).status, 200);
        let (status, _, bytes) = coord.get_bytes("/api/v1/staff/lists/hazards.xlsx");
        assert_eq!(status, 200);
        let (name, cells) = sheet(bytes, 0);
        assert_eq!(name, "隐患清单");
        let header: Vec<String> = cells.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
        assert_eq!(header[..4], ["隐患编号", "案件编号", "生产经营单位", "统一社会信用代码"]);
        assert_eq!(cells.get((1, 2)), Some(&Data::String("厦门某某餐饮有限公司".into())));
        let found = cells.get((1, 10)).unwrap();
        assert_eq!(found.as_date(), Some(app.today()), "发现日期 is a date cell: {found:?}");
        let (_, _, bytes) = coord.get_bytes("/api/v1/staff/lists/rectifications.xlsx?lang=en");
        let (name, cells) = sheet(bytes, 0);
        assert_eq!((name.as_str(), cells.get((0, 4))), ("Rectification list", Some(&Data::String("Measures".into()))));

        let (status, ct, bytes) = coord.get_bytes("/staff/lists/hazards/template.xlsx");
        assert_eq!((status, ct.as_deref()), (200, Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")));
        let (name, cells) = sheet(bytes.clone(), 0);
        assert_eq!(name, "隐患清单");
        let header: Vec<String> = cells.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
        assert_eq!(header, ["案件编号", "生产经营单位", "统一社会信用代码", "地址", "街道", "隐患描述", "隐患等级", "重大隐患判定依据", "隐患来源", "发现日期", "主管部门", "企业主体责任人", "部门监管责任人", "属地责任人", "包保领导", "整改措施", "整改期限", "停产停业整改", "行业领域"]);
        for title in ["统一社会信用代码", "整改期限", "企业主体责任人", "行业领域"] {
            assert!(header.iter().any(|h| h == title), "{title} in {header:?}");
        }
        let (notes, cells) = sheet(bytes, 1);
        assert_eq!(notes, "填写说明");
        assert!(cells.rows().any(|r| r[1] == Data::String("deadline".into()) && r[2] == Data::String("必填".into())));
        let list = coord.get("/staff/lists/hazards");
        assert!(list.text.contains("href=\"/staff/lists/hazards/template.xlsx\""));
        assert_eq!(app.staff("fin", "finance", None).get_bytes("/staff/lists/hazards/template.xlsx").0, 403);
    }

    fn hazards_import_from_csv_and_xlsx_and_an_export_imports_back(app) {
        let coord = app.staff("coord", "coordinator", None);
        // CSV with Chinese titles, dates written the Excel way, a new enterprise from its code.
        let a = import_csv(&coord, &[
            row(&app, &[("发现日期", &app.today().format("%Y/%-m/%-d").to_string())]),
            row(&app, &[("统一社会信用代码", CODE_B), ("生产经营单位", "厦门某某物流有限公司"), ("停产停业整改", "是"), ("隐患等级", "重大"), ("重大隐患判定依据", "第五条"), ("整改期限", &(app.today() + Duration::days(3)).format("%Y年%-m月%-d日").to_string())]),
        ]);
        assert_eq!((a.status, &a.json), (200, &json!({"imported": 2})), "{}", a.text);
        let rows = listed(&coord, "/api/v1/staff/lists/rectifications.csv");
        let logistics = rows.iter().find(|r| r[2] == "厦门某某物流有限公司").unwrap();
        assert_eq!(logistics[5], (app.today() + Duration::days(3)).to_string());
        assert_eq!(logistics[13], "停产停业整改");

        // XLSX with the field names and real date cells.
        let fields = ["source", "credit_code", "enterprise_name", "address", "sector", "street", "description", "grade", "found_on", "department", "responsible_person", "supervisor", "measures", "deadline"];
        let mut book = rust_xlsxwriter::Workbook::new();
        let ws = book.add_worksheet();
        for (c, f) in fields.iter().enumerate() {
            ws.write_string(0, c as u16, *f).unwrap();
        }
        let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
        let ymd = |d: chrono::NaiveDate| {
            use chrono::Datelike;
            rust_xlsxwriter::ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8).unwrap()
        };
        let values = ["self_inspection", CODE_C, "厦门某某加工厂", "金山路 9 号", "industry_trade", "jinshan", "粉尘收集装置未接地", "general", "", "construction", "赵某", "钱某", "加装接地装置", ""];
        for (c, v) in values.iter().enumerate() {
            ws.write_string(1, c as u16, *v).unwrap();
        }
        ws.write_datetime_with_format(1, 8, ymd(app.today()), &date).unwrap();
        ws.write_datetime_with_format(1, 13, ymd(app.today() + Duration::days(30)), &date).unwrap();
        let a = post_file(&coord, "h.xlsx", book.save_to_buffer().unwrap());
        assert_eq!((a.status, &a.json), (200, &json!({"imported": 1})), "{}", a.text);
        let made = listed(&coord, "/api/v1/staff/lists/hazards.csv?street=jinshan");
        assert_eq!(made[0][2..4], ["厦门某某加工厂", CODE_C]);
        assert_eq!(made[0][9..11], ["企业自查".to_owned(), app.today().to_string()]);

        // An exported 隐患清单 plus the columns it lacks imports back; the numbers it carries are
        // already recorded, so it records nothing until they are blanked.
        let (_, _, bytes) = coord.get_bytes("/api/v1/staff/lists/hazards.xlsx?street=jiangtou");
        let (_, cells) = sheet(bytes, 0);
        let extra = ["企业主体责任人", "部门监管责任人", "整改措施", "整改期限"];
        let deadline = (app.today() + Duration::days(9)).to_string();
        let again = |keep_number: bool| {
            let mut book = rust_xlsxwriter::Workbook::new();
            let ws = book.add_worksheet();
            for (r, cells) in cells.rows().enumerate() {
                let mut line: Vec<String> = cells.iter().map(|c| match c.as_date() {
                    Some(d) if matches!(c, Data::DateTime(_)) => d.to_string(),
                    _ => c.to_string(),
                }).collect();
                if r == 0 {
                    line.extend(extra.iter().map(|s| s.to_string()));
                } else {
                    if !keep_number {
                        line[0].clear();
                    }
                    line.extend(["孙某", "周某", "清理通道", &deadline].iter().map(|s| s.to_string()));
                }
                for (c, v) in line.iter().enumerate() {
                    ws.write_string(r as u32, c as u16, v).unwrap();
                }
            }
            post_file(&coord, "export.xlsx", book.save_to_buffer().unwrap())
        };
        let before = count(&coord);
        let refused = again(true);
        assert_eq!(refused.status, 422, "{}", refused.text);
        let wrong = refused.json["rows"].as_array().unwrap();
        assert_eq!(wrong.len(), 2, "{}", refused.text);
        assert_eq!((&wrong[0]["row"], &wrong[0]["field"]), (&json!(1), &json!("number")));
        assert_eq!(wrong[0]["message"], "这个隐患编号已经登记过，不再重复导入。");
        assert_eq!(count(&coord), before);
        let a = again(false);
        assert_eq!((a.status, &a.json), (200, &json!({"imported": 2})), "{}", a.text);
        assert_eq!(count(&coord), before + 2);
        // Each new enterprise is recorded as the enterprises' form records one: audited.
        let audit = coord.get("/api/v1/staff/audit");
        let created = audit.json["entries"].as_array().unwrap().iter().filter(|e| e["action"] == json!("enterprise_created") && e["actor"] == json!("coord")).count();
        assert_eq!(created, 3, "{CODE_A}, {CODE_B}, {CODE_C}");
    }

    fn a_wrong_import_is_refused_whole_and_stores_nothing(app) {
        let coord = app.staff("coord", "coordinator", None);
        assert_eq!(import_csv(&coord, &[row(&app, &[])]).status, 200);
        let before = count(&coord);
        let refused = |a: &Answer| -> Vec<(i64, String, String)> {
            a.json["rows"].as_array().unwrap_or_else(|| panic!("{}", a.text)).iter().map(|r| (r["row"].as_i64().unwrap(), r["field"].as_str().unwrap().to_owned(), r["message"].as_str().unwrap().to_owned())).collect()
        };

        let png = post_file(&coord, "photo.csv", fixture("cam.png"));
        assert_eq!((png.status, png.json["error"].as_str()), (415, Some("unsupported_media")));
        assert!(png.json["message"].as_str().unwrap().contains(".xlsx"));
        let xls = post_file(&coord, "old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\0\0\0\0".to_vec());
        assert_eq!(xls.status, 415);
        let empty = post_file(&coord, "h.csv", Vec::new());
        assert_eq!((empty.status, refused(&empty)), (422, vec![(0, "file".into(), "文件是空的。".into())]));
        let header_only = post_file(&coord, "h.csv", csv_file(&HEADER, &[]));
        assert_eq!(refused(&header_only)[0].2, "文件只有表头，没有数据行。");
        let short = post_file(&coord, "h.csv", "隐患描述,整改措施\r\n楼道堆放杂物,清理\r\n".as_bytes().to_vec());
        assert_eq!(short.status, 422);
        let missing: Vec<String> = refused(&short).into_iter().inspect(|r| assert_eq!(r.0, 0)).map(|r| r.1).collect();
        assert!(missing.contains(&"deadline".to_owned()) && missing.contains(&"source".to_owned()) && !missing.contains(&"description".to_owned()), "{missing:?}");
        let gbk = post_file(&coord, "h.csv", b"\xd2\xfe\xbb\xbc,\xd5\xfb\xb8\xc4\r\n".to_vec());
        assert_eq!(refused(&gbk)[0].1, "file");
        assert!(refused(&gbk)[0].2.contains("UTF-8"));

        // Good rows around bad ones: every mistake told, in the caller's language, nothing kept.
        let early = (app.today() - Duration::days(1)).to_string();
        let rows = [
            row(&app, &[("统一社会信用代码", CODE_B), ("生产经营单位", "新单位甲")]),
            row(&app, &[("整改期限", &early)]),
            row(&app, &[("街道", "火星街道"), ("隐患等级", "特大")]),
            row(&app, &[("统一社会信用代码", CODE_C), ("行业领域", "")]),
            row(&app, &[("统一社会信用代码", "91350206MA2Y0K7T1X")]),
            row(&app, &[("统一社会信用代码", "91330100799655058B"), ("生产经营单位", "某\u{1}店"), ("地址", "")]),
        ];
        let a = import_csv(&coord, &rows);
        assert_eq!(a.status, 422, "{}", a.text);
        assert_eq!(a.json["error"], "validation");
        let wrong = refused(&a);
        let at = |row: i64, field: &str| wrong.iter().find(|r| r.0 == row && r.1 == field).map(|r| r.2.clone()).unwrap_or_else(|| panic!("{row} {field}: {wrong:?}"));
        assert_eq!(at(2, "deadline"), "整改期限不能早于发现日期。");
        assert!(at(3, "street").contains("街道"));
        assert_eq!(at(3, "grade"), "请选择“一般隐患”或“重大隐患”。");
        assert!(at(4, "sector").contains("行业领域"));
        assert!(at(5, "credit_code").contains("校验码"));
        // A new enterprise is checked as the enterprises' own form checks one.
        assert!(!at(6, "enterprise_name").is_empty() && !at(6, "address").is_empty(), "{wrong:?}");
        assert!(!wrong.iter().any(|r| r.0 == 1), "row 1 is right: {wrong:?}");
        let en = coord.post_multipart(&format!("{IMPORT}?lang=en"), &[], &[("file", "h.csv", "text/csv", csv_file(&HEADER, &rows))]);
        assert!(refused(&en).iter().any(|r| r.2 == "The deadline cannot be before the day it was found."), "{}", en.text);
        assert_eq!(count(&coord), before, "nothing half-imported");
        // Row 1's new enterprise went with the rest: its code is still unknown.
        let again = import_csv(&coord, &[row(&app, &[("统一社会信用代码", CODE_B), ("行业领域", "")])]);
        assert!(refused(&again).iter().any(|r| r.1 == "sector"), "{}", again.text);

        // Too large: bytes, or rows.
        let big = post_file(&coord, "h.csv", vec![b'a'; (5 << 20) + 1]);
        assert_eq!((big.status, big.json["error"].as_str()), (413, Some("too_large")));
        let many: Vec<Vec<String>> = (0..5_001).map(|_| row(&app, &[])).collect();
        assert_eq!(import_csv(&coord, &many).status, 413);

        // No file, not multipart, no CSRF token, a role that records no hazards.
        let none = coord.post_multipart(IMPORT, &[("note", "x")], &[]);
        assert_eq!(refused(&none)[0].1, "file");
        assert_eq!(coord.post(IMPORT, &json!({"rows": []})).status, 415);
        let (ct, body) = multipart(&[], &[("file", "h.csv", "text/csv", csv_file(&HEADER, &[row(&app, &[])]))]);
        let no_csrf = answer(coord.agent.post(app.url(IMPORT)).header("content-type", &ct).send(body).unwrap());
        assert_eq!(no_csrf.status, 403);
        let fin = app.staff("fin", "finance", None);
        assert_eq!(post_file(&fin, "h.csv", csv_file(&HEADER, &[row(&app, &[])])).status, 403);
        let officer = app.staff("market.officer", "officer", Some("market"));
        let theirs = import_csv(&officer, &[row(&app, &[])]);
        assert_eq!(refused(&theirs)[0].1, "department", "another unit's hazard: {}", theirs.text);
        assert_eq!(count(&coord), before);
    }

    /// Several imports creating the same new enterprise at once: never a 500 (on PostgreSQL the
    /// unique index's refusal leaves the import's transaction usable), one enterprise recorded.
    fn imports_creating_the_same_enterprise_at_once_record_it_once(app) {
        let clients: Vec<StaffClient> = (0..4).map(|i| app.staff(&format!("coord{i}"), "coordinator", None)).collect();
        let file = csv_file(&HEADER, &[row(&app, &[("统一社会信用代码", CODE_B)])]);
        let statuses: Vec<u16> = std::thread::scope(|s| {
            let running: Vec<_> = clients.iter().map(|c| s.spawn(|| post_file(c, "h.csv", file.clone()).status)).collect();
            running.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(statuses.iter().all(|s| *s == 200 || *s == 422), "{statuses:?}");
        assert!(statuses.contains(&200), "{statuses:?}");
        let found = clients[0].get(&format!("/api/v1/staff/enterprises?q={CODE_B}"));
        assert_eq!(found.json["items"].as_array().unwrap().len(), 1, "{}", found.text);
    }

    fn the_import_form_on_the_page_works_without_javascript(app) {
        let coord = app.staff("coord", "coordinator", None);
        let page = coord.get("/staff/lists/hazards");
        let csrf = input_value(&page.text, "csrf").unwrap();
        assert!(page.text.contains("enctype=\"multipart/form-data\""));
        let file = |rows: &[Vec<String>]| vec![("file", "h.csv", "text/csv", csv_file(&HEADER, rows))];
        let ok = coord.post_multipart("/staff/lists/hazards/import", &[("csrf", &csrf)], &file(&[row(&app, &[])]));
        assert_eq!(ok.status, 200, "followed to the list: {}", ok.text);
        assert!(ok.text.contains("已导入 1 项隐患。") && ok.text.contains("后厨液化石油气钢瓶与灶具间距不足"), "{}", ok.text);
        let early = (app.today() - Duration::days(1)).to_string();
        let bad = coord.post_multipart("/staff/lists/hazards/import", &[("csrf", &csrf)], &file(&[row(&app, &[]), row(&app, &[("整改期限", &early)])]));
        assert_eq!(bad.status, 422);
        assert!(bad.text.contains("id=\"import-errors\"") && without_labels(&bad.text).contains("<td class=\"nowrap\">2</td><td>整改期限</td><td>整改期限不能早于发现日期。</td>"), "{}", bad.text);
        let not = coord.post_multipart("/staff/lists/hazards/import", &[("csrf", &csrf)], &[("file", "a.png", "image/png", fixture("cam.png"))]);
        assert_eq!(not.status, 415);
        assert!(not.text.contains("只能导入 .xlsx 或 .csv 文件"));
        let forged = coord.post_multipart("/staff/lists/hazards/import", &[("csrf", "forged")], &file(&[row(&app, &[])]));
        assert_eq!(forged.status, 403);
        assert_eq!(count(&coord), 1);
    }
}
