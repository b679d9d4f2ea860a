use crate::on_both_backends;

on_both_backends! {
    /// GET /api/v1/sectors lists every configured sector with its supervising department.
    fn sectors_are_served_from_the_configuration(app) {
        let a = app.get("/api/v1/sectors");
        assert_eq!(a.status, 200);
        assert_eq!(a.content_type.as_deref(), Some("application/json; charset=utf-8"));
        let list = a.json.as_array().unwrap();
        let catalog = &app.services.catalog;
        assert_eq!(list.len(), catalog.sectors().len());
        assert_eq!(list.len(), 22);
        for (item, sector) in list.iter().zip(catalog.sectors()) {
            assert_eq!(item["code"], sector.code.as_str());
            assert_eq!(item["name_zh"], sector.name_zh.as_str());
            assert_eq!(item["name_en"], sector.name_en.as_str());
            assert_eq!(item["department"]["code"], sector.lead.as_str());
            let lead = catalog.department(&sector.lead).unwrap();
            assert_eq!(item["department"]["name_zh"], lead.name_zh.as_str());
            assert_eq!(item["department"]["name_en"], lead.name_en.as_str());
            assert!(!item["hint_zh"].as_str().unwrap().is_empty());
        }
        let crowded = list.iter().find(|s| s["code"] == "crowded_places").unwrap();
        assert_eq!(crowded["department"]["code"], "fire");
        assert_eq!(crowded["co_departments"][0]["code"], "commerce");
    }

    /// GET /api/v1/streets lists Huli's five sub-districts.
    fn streets_are_served_from_the_configuration(app) {
        let a = app.get("/api/v1/streets");
        assert_eq!(a.status, 200);
        let codes: Vec<&str> = a.json.as_array().unwrap().iter().map(|s| s["code"].as_str().unwrap()).collect();
        assert_eq!(codes, ["huli", "dianqian", "heshan", "jiangtou", "jinshan"]);
        assert_eq!(a.json[3]["name_zh"], "江头街道");
        assert_eq!(a.json[3]["name_en"], "Jiangtou Subdistrict");
    }

    /// The API describes itself.
    fn the_openapi_document_is_served(app) {
        let a = app.get("/api/v1/openapi.json");
        assert_eq!(a.status, 200);
        assert_eq!(a.json["openapi"], "3.1.0");
        assert!(a.json["paths"]["/tips"]["post"].is_object());
    }

    /// /healthz answers `ok` while the database answers.
    fn health_check_answers_ok(app) {
        let a = app.get("/healthz");
        assert_eq!(a.status, 200);
        assert_eq!(a.text, "ok");
    }

    /// An unknown route answers the API's 404 shape in the request's language.
    fn unknown_routes_answer_not_found_in_the_api_shape(app) {
        let a = app.get("/api/v1/nothing-here");
        assert_eq!(a.status, 404);
        assert_eq!(a.json["error"], "not_found");
        assert_eq!(a.json["message"], "没有找到您要的内容。");
        let en = app.get_lang("/api/v1/nothing-here", "en-GB,en;q=0.8");
        assert_eq!(en.json["message"], "Nothing was found here.");
        let q = app.get("/api/v1/nothing-here?lang=en");
        assert_eq!(q.json["message"], "Nothing was found here.");
    }
}
