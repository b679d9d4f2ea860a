//! Open311 GeoReport v2: discovery, services, a request in (with the receipt back only to the
//! caller), requests out without description, address or identity, and API keys when configured.

use crate::helpers::*;
use crate::on_both_backends;
use serde_json::json;

on_both_backends! {
    fn open311_round_trip(app) {
        let d = app.get("/open311/v2/discovery.json");
        assert_eq!(d.status, 200);
        assert!(d.json["endpoints"][0]["url"].as_str().unwrap().ends_with("/open311/v2"));
        let s = app.get("/open311/v2/services.json");
        assert_eq!(s.json.as_array().unwrap().len(), 22);
        assert_eq!(s.json[0]["service_code"], "hazardous_chemicals");
        assert_eq!(app.get("/open311/v2/services/gas.json").json["service_code"], "gas");
        assert_eq!(app.get("/open311/v2/services/nuclear.json").status, 404);

        let body = serde_urlencoded::to_string([
            ("service_code", "fire_safety"),
            ("description", "12345热线转来：商场消防通道被货物堵塞，已持续一周。"),
            ("address_string", "湖里区某某商场"),
            ("first_name", "先生"),
            ("last_name", "周"),
            ("phone", "13900003131"),
        ])
        .unwrap();
        let a = app.post_raw("/open311/v2/requests.json", "application/x-www-form-urlencoded", body);
        assert_eq!(a.status, 201, "{}", a.text);
        let case = a.json[0]["service_request_id"].as_str().unwrap().to_owned();
        let notice = a.json[0]["service_notice"].as_str().unwrap();
        let receipt: String = notice.chars().filter(|c| c.is_ascii_digit()).take(16).collect();
        assert_eq!(receipt.len(), 16, "{notice}");
        let t = app.post_json("/api/v1/track", &json!({"receipt": receipt}));
        assert_eq!(t.json["case_number"], case.as_str());
        assert_eq!(t.json["department"]["code"], "fire");

        let list = app.get("/open311/v2/requests.json?service_code=fire_safety");
        assert_eq!(list.status, 200);
        let item = list.json.as_array().unwrap().iter().find(|i| i["service_request_id"] == case.as_str()).unwrap().clone();
        assert_eq!(item["status"], "open");
        assert_eq!(item["agency_responsible"], "区消防救援大队");
        for leak in ["周", "13900003131", "消防通道被货物堵塞", "某某商场"] {
            assert!(!list.text.contains(leak), "{leak} in the public list");
        }
        let one = app.get(&format!("/open311/v2/requests/{case}.json"));
        assert_eq!(one.json[0]["service_request_id"], case.as_str());
        assert_eq!(app.get("/open311/v2/requests/HL-1999-000001.json").status, 404);
        assert_eq!(app.get("/open311/v2/requests.json?status=closed").json.as_array().unwrap().len(), 0);

        // The identity is sealed like any other: the coordinator sees it is identified.
        let coord = app.staff("coord", "coordinator", None);
        assert_eq!(coord.get(&format!("/api/v1/staff/tips/{case}")).json["reporter"], "identified");
        assert_eq!(coord.get(&format!("/api/v1/staff/tips/{case}")).json["channel"], "open311");

        let bad = app.post_raw("/open311/v2/requests.json", "application/x-www-form-urlencoded", "service_code=nuclear&description=x");
        assert_eq!(bad.status, 400);
        assert_eq!(bad.json[0]["code"], 400);
    }
}

#[test]
fn open311_needs_a_key_when_keys_are_configured() {
    let app = TestApp::spawn_with(Backend::Sqlite, |f| {
        f.merge(("open311_api_keys", vec!["k-12345"]))
    });
    let body = "service_code=gas&description=%E5%9C%B0%E4%B8%8B%E5%AE%A4%E6%B6%B2%E5%8C%96%E6%B0%94%E7%93%B6%E5%A0%86%E6%94%BE%E5%BE%88%E5%A4%9A&address_string=%E6%B9%96%E9%87%8C";
    assert_eq!(
        app.post_raw(
            "/open311/v2/requests.json",
            "application/x-www-form-urlencoded",
            body
        )
        .status,
        403
    );
    assert_eq!(app.get("/open311/v2/requests.json").status, 403);
    let ok = app.post_raw(
        "/open311/v2/requests.json",
        "application/x-www-form-urlencoded",
        format!("{body}&api_key=k-12345"),
    );
    assert_eq!(ok.status, 201, "{}", ok.text);
    assert_eq!(
        app.get("/open311/v2/requests.json?api_key=k-12345").status,
        200
    );
}

on_both_backends! {
    fn open311_speaks_xml_too(app) {
        let d = app.get("/open311/v2/discovery.xml");
        assert_eq!(d.status, 200);
        assert!(d.content_type.as_deref().unwrap_or("").starts_with("text/xml"));
        assert!(d.text.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?><discovery>"), "{}", d.text);
        assert!(d.text.contains("<formats><format>application/json</format><format>text/xml</format></formats>"));
        let s = app.get("/open311/v2/services.xml?lang=en");
        assert!(s.text.contains("<services><service>") && s.text.contains("<service_code>hazardous_chemicals</service_code>"), "{}", s.text);
        assert_eq!(s.text.matches("<service>").count(), 22);
        let def = app.get("/open311/v2/services/gas.xml");
        assert!(def.text.contains("<service_definition>") && def.text.contains("<service_code>gas</service_code>") && def.text.contains("<attributes></attributes>"), "{}", def.text);

        let body = serde_urlencoded::to_string([
            ("service_code", "gas"),
            ("description", "餐馆后厨燃气管道用胶带缠着，<漏气>味道很重 & 没人管。"),
            ("address_string", "湖里区某某餐馆"),
        ])
        .unwrap();
        let a = app.post_raw("/open311/v2/requests.xml", "application/x-www-form-urlencoded", body);
        assert_eq!(a.status, 201, "{}", a.text);
        let case = a.text.split("<service_request_id>").nth(1).unwrap().split('<').next().unwrap().to_owned();
        assert!(case.starts_with("HL-"), "{}", a.text);
        assert!(a.text.contains("<service_notice>"));
        let one = app.get(&format!("/open311/v2/requests/{case}.xml"));
        assert!(one.text.contains("<service_requests><request>") && one.text.contains(&format!("<service_request_id>{case}</service_request_id>")), "{}", one.text);
        assert!(!one.text.contains("漏气"), "no description out");
        let list = app.get("/open311/v2/requests.xml?service_code=gas");
        assert!(list.text.contains(&case));
        // Errors in XML, and an unknown format is not found.
        let bad = app.post_raw("/open311/v2/requests.xml", "application/x-www-form-urlencoded", "service_code=nuclear&description=x");
        assert_eq!(bad.status, 400);
        assert!(bad.text.contains("<errors><error><code>400</code><description>"), "{}", bad.text);
        assert_eq!(app.get("/open311/v2/services.yaml").status, 404);
        assert_eq!(app.get("/open311/v2/requests/HL-1999-000001.xml").status, 404);
    }
}
