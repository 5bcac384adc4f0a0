//! Studio: marketing campaigns (`studio_campaigns`), their content (`studio_content`)
//! and metrics (`studio_analytics`), and each campaign's audience among the tenant's
//! CRM contacts. The rules of each part are documented in its module.

mod audience;
mod campaigns;
mod content;
mod input;
mod metrics;

use eoex_sdk::prelude::*;

struct Studio;

impl Plugin for Studio {
    fn manifest() -> Manifest {
        Manifest::new("studio", env!("CARGO_PKG_VERSION"))
            .description("Marketing studio: campaigns, content, metrics")
            .category("business")
            .entity(campaigns::entity())
            .entity(content::entity())
            .entity(metrics::entity())
            .permission("crm.contacts", Access::Read)
    }

    fn router() -> Router {
        Router::new()
            .get("/campaigns", campaigns::list)
            .summary("List campaigns: page, limit, sort, status, campaign_type, search (name)")
            .post("/campaigns", campaigns::create)
            .summary("Create a campaign (a draft, created_by the caller)")
            .get("/campaigns/{campaign_id}", campaigns::show)
            .summary("Get a campaign")
            .patch("/campaigns/{campaign_id}", campaigns::edit)
            .summary("Change some fields of a campaign, status by the legal moves only")
            .delete("/campaigns/{campaign_id}", campaigns::remove)
            .summary("Delete a campaign with its content and metrics")
            .post("/campaigns/{campaign_id}/status", campaigns::move_status)
            .summary("Move a campaign: draft, scheduled, active, paused, completed")
            .get("/campaigns/{campaign_id}/audience", audience::show)
            .summary("Count and list the CRM contacts the campaign's target_audience selects")
            .post("/campaigns/{campaign_id}/metrics", metrics::record)
            .summary("Record one metric value or a list of them, with dimensions")
            .get("/campaigns/{campaign_id}/metrics", metrics::report)
            .summary(
                "Metric sums and counts per day and in total (from, to), cost per result and ROI",
            )
            .get("/content", content::list)
            .summary("List content: page, limit, sort, campaign_id, status, content_type, search")
            .post("/content", content::create)
            .summary("Create a content item of a campaign (a draft)")
            .get("/content/{content_id}", content::show)
            .summary("Get a content item")
            .patch("/content/{content_id}", content::edit)
            .summary(
                "Change some fields of a content item (only status and metadata once out of draft)",
            )
            .delete("/content/{content_id}", content::remove)
            .summary("Delete a content item")
            .post("/content/{content_id}/status", content::move_status)
            .summary("Move a content item: draft, review, approved, published")
    }
}

register_plugin!(Studio);

#[cfg(test)]
mod tests {
    use eoex_sdk::testing::{TestHost, USER_ID};
    use serde_json::{Value, json};

    use super::*;

    /// `crm.contacts` as the CRM module exposes it (the cross-module contract), so
    /// audiences can be tested without the CRM crate.
    struct Crm;

    impl Plugin for Crm {
        fn manifest() -> Manifest {
            Manifest::new("crm", "1.0.0").entity(
                Entity::new("contacts", "contact_id")
                    .field(Field::text("first_name").required())
                    .field(Field::text("last_name").required())
                    .field(Field::text("email").required())
                    .field(Field::text("company"))
                    .field(Field::text("title"))
                    .field(Field::text("department"))
                    .field(Field::text("lead_source"))
                    .field(Field::text("status").default("new"))
                    .field(Field::uuid("assigned_to"))
                    .exposed(),
            )
        }

        fn router() -> Router {
            Router::new()
        }
    }

    fn call(host: &TestHost, method: &str, target: &str, body: Option<Value>) -> (u16, Value) {
        let response = host.call::<Studio>(method, target, body);
        let body = if response.body().is_empty() {
            Value::Null
        } else {
            response.body_json().unwrap()
        };
        (response.status(), body)
    }

    fn created(host: &TestHost, target: &str, body: Value) -> Value {
        let (status, created) = call(host, "POST", target, Some(body));
        assert_eq!(status, 201, "{created}");
        created
    }

    fn campaign(host: &TestHost, body: Value) -> String {
        created(host, "/campaigns", body)["campaign_id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    fn error_of(response: (u16, Value)) -> (u16, String) {
        let (status, body) = response;
        let detail = body["error"]["field"]
            .as_str()
            .or(body["error"]["code"].as_str())
            .unwrap_or_default()
            .to_owned();
        (status, detail)
    }

    #[test]
    fn manifest_declares_the_design_tables_and_reads_contacts() {
        let manifest = serde_json::to_value(eoex_sdk::describe::<Studio>()).unwrap();
        let entities: Vec<&str> = manifest["entities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["name"].as_str().unwrap())
            .collect();
        assert_eq!(entities, ["campaigns", "content", "analytics"]);
        assert_eq!(
            manifest["permissions"],
            json!([{"entity": "crm.contacts", "access": "read"}])
        );
        let routes = manifest["routes"].as_array().unwrap();
        assert!(
            routes
                .iter()
                .all(|r| !r["summary"].as_str().unwrap().is_empty())
        );
    }

    #[test]
    fn campaigns_are_created_as_drafts_by_the_caller_and_validated() {
        let host = TestHost::new();
        let body = json!({
            "name": " Spring launch ", "campaign_type": "email", "budget": 1500.5,
            "start_date": "2026-03-01", "end_date": "2026-03-31",
            "target_audience": {"status": "qualified"},
        });
        let campaign = created(&host, "/campaigns", body.clone());
        assert_eq!(campaign["name"], "Spring launch");
        assert_eq!(campaign["status"], "draft");
        assert_eq!(campaign["created_by"], USER_ID);
        assert_eq!(campaign["metadata"], json!({}));

        let with = |field: &str, value: Value| {
            let mut body = body.clone();
            body[field] = value;
            body
        };
        for (body, field) in [
            (json!({"campaign_type": "email"}), "name"),
            (json!({"name": "x"}), "campaign_type"),
            (with("name", json!("  ")), "name"),
            (with("campaign_type", json!("fax")), "campaign_type"),
            (with("status", json!("active")), "status"),
            (with("end_date", json!("2026-02-28")), "end_date"),
            (with("start_date", json!("March")), "start_date"),
            (with("budget", json!(-1)), "budget"),
            (with("budget", json!("10")), "budget"),
            (
                with("target_audience", json!({"shoe_size": 9})),
                "target_audience",
            ),
            (with("created_by", json!(USER_ID)), "created_by"),
            (with("campaign_id", json!(USER_ID)), "campaign_id"),
            (with("colour", json!("red")), "colour"),
        ] {
            let result = error_of(call(&host, "POST", "/campaigns", Some(body.clone())));
            assert_eq!(result, (422, field.to_owned()), "{body}");
        }
        assert_eq!(host.records("campaigns").len(), 1);
    }

    #[test]
    fn campaign_status_follows_the_move_table() {
        let host = TestHost::new();
        let id = campaign(&host, json!({"name": "C", "campaign_type": "ads"}));
        let status = format!("/campaigns/{id}/status");
        let move_to = |to: &str| {
            let (code, body) = call(&host, "POST", &status, Some(json!({"status": to})));
            (code, body["status"].as_str().unwrap_or_default().to_owned())
        };
        assert_eq!(move_to("paused").0, 409);
        assert_eq!(move_to("scheduled"), (200, "scheduled".into()));
        assert_eq!(move_to("draft"), (200, "draft".into()));
        assert_eq!(move_to("active"), (200, "active".into()));
        assert_eq!(move_to("active"), (200, "active".into()));
        assert_eq!(move_to("draft").0, 409);
        assert_eq!(move_to("paused"), (200, "paused".into()));
        assert_eq!(move_to("completed"), (200, "completed".into()));
        for to in ["draft", "scheduled", "active", "paused"] {
            assert_eq!(move_to(to).0, 409, "completed → {to}");
        }
        assert_eq!(move_to("won").0, 422);
        let path = format!("/campaigns/{id}");
        let (code, body) = call(&host, "PATCH", &path, Some(json!({"status": "active"})));
        assert_eq!(
            (code, body["error"]["code"].clone()),
            (409, json!("illegal_transition"))
        );
        let (code, _) = call(
            &host,
            "POST",
            &status,
            Some(json!({"status": "completed", "name": "x"})),
        );
        assert_eq!(code, 422);
    }

    #[test]
    fn dates_are_checked_against_the_stored_ones() {
        let host = TestHost::new();
        let id = campaign(
            &host,
            json!({"name": "C", "campaign_type": "event", "start_date": "2026-05-10"}),
        );
        let path = format!("/campaigns/{id}");
        let patch = |body: Value| error_of(call(&host, "PATCH", &path, Some(body)));
        assert_eq!(
            patch(json!({"end_date": "2026-05-09"})),
            (422, "end_date".into())
        );
        assert_eq!(
            call(
                &host,
                "PATCH",
                &path,
                Some(json!({"end_date": "2026-05-10"}))
            )
            .0,
            200
        );
        assert_eq!(
            patch(json!({"start_date": "2026-05-11"})),
            (422, "end_date".into())
        );
        assert_eq!(
            call(&host, "PATCH", &path, Some(json!({"start_date": null}))).0,
            200
        );
        assert_eq!(
            call(
                &host,
                "PATCH",
                &path,
                Some(json!({"start_date": "2026-06-01", "end_date": "2026-06-02"}))
            )
            .0,
            200
        );
    }

    #[test]
    fn audience_selects_matching_contacts_or_needs_crm() {
        let host = TestHost::new();
        let id = campaign(
            &host,
            json!({"name": "C", "campaign_type": "email",
                   "target_audience": {"status": ["new", "qualified"], "company": "Acme"}}),
        );
        let path = format!("/campaigns/{id}/audience");
        assert_eq!(
            error_of(call(&host, "GET", &path, None)),
            (409, "crm_not_enabled".into())
        );

        host.install::<Crm>().unwrap();
        for (last, company, status) in [
            ("A", "Acme", "new"),
            ("B", "Acme", "qualified"),
            ("C", "Acme", "lost"),
            ("D", "Other", "new"),
            ("E", "Acme", "new"),
        ] {
            let _: Value = store::insert(
                "contacts",
                &json!({"first_name": "X", "last_name": last, "email": format!("{last}@x.io"),
                        "company": company, "status": status}),
            )
            .unwrap();
        }
        let (status, page) = call(&host, "GET", &format!("{path}?limit=2&page=2"), None);
        assert_eq!(status, 200, "{page}");
        assert_eq!(
            (
                page["total"].clone(),
                page["page"].clone(),
                page["limit"].clone()
            ),
            (json!(3), json!(2), json!(2))
        );
        let names: Vec<&str> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["last_name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["E"]);
        assert_eq!(
            error_of(call(&host, "GET", &format!("{path}?sort=secret"), None)),
            (422, "sort".into())
        );
        let missing = format!("/campaigns/{}/audience", USER_ID);
        assert_eq!(call(&host, "GET", &missing, None).0, 404);
    }

    #[test]
    fn content_moves_through_review_and_locks_outside_draft() {
        let host = TestHost::new();
        let campaign_id = campaign(&host, json!({"name": "C", "campaign_type": "social"}));
        let item = created(
            &host,
            "/content",
            json!({"campaign_id": campaign_id, "title": "Teaser", "content_type": "post", "content_body": "Soon."}),
        );
        assert_eq!(
            (item["status"].clone(), item["created_by"].clone()),
            (json!("draft"), json!(USER_ID))
        );
        let id = item["content_id"].as_str().unwrap();
        let path = format!("/content/{id}");
        let status = format!("{path}/status");
        let move_to =
            |to: &str| error_of(call(&host, "POST", &status, Some(json!({"status": to}))));

        assert_eq!(move_to("published"), (409, "illegal_transition".into()));
        assert_eq!(
            call(&host, "POST", &status, Some(json!({"status": "review"}))).0,
            200
        );
        assert_eq!(
            error_of(call(&host, "PATCH", &path, Some(json!({"title": "New"})))),
            (409, "content_locked".into())
        );
        assert_eq!(
            call(
                &host,
                "PATCH",
                &path,
                Some(json!({"metadata": {"reviewer": "ann"}}))
            )
            .0,
            200
        );
        assert_eq!(
            call(&host, "POST", &status, Some(json!({"status": "draft"}))).0,
            200
        );
        assert_eq!(
            call(&host, "PATCH", &path, Some(json!({"title": "New"}))).0,
            200
        );
        for to in ["review", "approved", "published"] {
            assert_eq!(
                call(&host, "POST", &status, Some(json!({"status": to}))).0,
                200,
                "{to}"
            );
        }
        for to in ["draft", "review", "approved"] {
            assert_eq!(
                move_to(to),
                (409, "illegal_transition".into()),
                "published → {to}"
            );
        }

        for (body, field) in [
            (json!({"title": "T", "content_type": "post"}), "campaign_id"),
            (
                json!({"campaign_id": USER_ID, "title": "T", "content_type": "post"}),
                "campaign_id",
            ),
            (
                json!({"campaign_id": "nope", "title": "T", "content_type": "post"}),
                "campaign_id",
            ),
            (
                json!({"campaign_id": campaign_id, "title": "T", "content_type": "tweet"}),
                "content_type",
            ),
            (
                json!({"campaign_id": campaign_id, "content_type": "ad"}),
                "title",
            ),
            (
                json!({"campaign_id": campaign_id, "title": "T", "content_type": "ad", "status": "approved"}),
                "status",
            ),
        ] {
            assert_eq!(
                error_of(call(&host, "POST", "/content", Some(body.clone()))),
                (422, field.to_owned()),
                "{body}"
            );
        }
    }

    #[test]
    fn deleting_a_campaign_deletes_its_content_and_metrics() {
        let host = TestHost::new();
        let doomed = campaign(&host, json!({"name": "Doomed", "campaign_type": "ads"}));
        let kept = campaign(&host, json!({"name": "Kept", "campaign_type": "ads"}));
        for id in [&doomed, &kept] {
            created(
                &host,
                "/content",
                json!({"campaign_id": id, "title": "T", "content_type": "ad"}),
            );
            created(
                &host,
                &format!("/campaigns/{id}/metrics"),
                json!([{"metric": "clicks", "value": 1}, {"metric": "spend", "value": 2}]),
            );
        }
        assert_eq!(
            call(&host, "DELETE", &format!("/campaigns/{doomed}"), None).0,
            204
        );
        assert_eq!(
            call(&host, "DELETE", &format!("/campaigns/{doomed}"), None).0,
            404
        );
        assert!(
            host.records("content")
                .iter()
                .all(|c| c["campaign_id"] == kept.as_str())
        );
        assert_eq!(host.records("content").len(), 1);
        assert_eq!(host.records("analytics").len(), 2);
    }

    #[test]
    fn metrics_are_recorded_and_aggregated_per_day_and_metric() {
        let host = TestHost::new();
        let id = campaign(&host, json!({"name": "C", "campaign_type": "ads"}));
        let path = format!("/campaigns/{id}/metrics");
        let one = created(
            &host,
            &path,
            json!({"metric": "spend", "value": 100, "recorded_at": "2026-03-01T10:00:00Z", "dimensions": {"channel": "search"}}),
        );
        assert_eq!(
            (
                one["metric"].clone(),
                one["value"].clone(),
                one["dimensions"].clone()
            ),
            (json!("spend"), json!(100), json!({"channel": "search"}))
        );
        created(
            &host,
            &path,
            json!([
                {"metric": "spend", "value": 50.5, "recorded_at": "2026-03-02T23:59:59Z"},
                {"metric": "conversions", "value": 3, "recorded_at": "2026-03-01T12:00:00Z"},
                {"metric": "conversions", "value": 2, "recorded_at": "2026-03-02T01:00:00+02:00"},
                {"metric": "revenue", "value": 600, "recorded_at": "2026-03-02T09:00:00Z"},
                {"metric": "clicks", "value": 40, "recorded_at": "2026-03-05T09:00:00Z"},
            ]),
        );
        let (status, report) = call(
            &host,
            "GET",
            &format!("{path}?from=2026-03-01&to=2026-03-02"),
            None,
        );
        assert_eq!(status, 200, "{report}");
        assert_eq!(
            report["totals"],
            json!({
                "conversions": {"sum": 5.0, "count": 2},
                "revenue": {"sum": 600.0, "count": 1},
                "spend": {"sum": 150.5, "count": 2},
            })
        );
        assert_eq!(
            report["daily"],
            json!([
                {"day": "2026-03-01", "metric": "conversions", "sum": 5.0, "count": 2},
                {"day": "2026-03-01", "metric": "spend", "sum": 100.0, "count": 1},
                {"day": "2026-03-02", "metric": "revenue", "sum": 600.0, "count": 1},
                {"day": "2026-03-02", "metric": "spend", "sum": 50.5, "count": 1},
            ])
        );
        assert_eq!(report["cost_per_result"], json!(30.1));
        assert_eq!(report["roi"], json!(2.9867));

        let (_, all) = call(&host, "GET", &format!("{path}?result_metric=clicks"), None);
        assert_eq!(all["totals"]["clicks"]["sum"], json!(40.0));
        assert_eq!(all["cost_per_result"], json!(3.7625));
        let (_, none) = call(&host, "GET", &format!("{path}?from=2026-03-05"), None);
        assert_eq!(
            (none["cost_per_result"].clone(), none["roi"].clone()),
            (Value::Null, Value::Null)
        );

        for (body, field) in [
            (json!({"value": 1}), "metric"),
            (json!({"metric": "Click Rate", "value": 1}), "metric"),
            (json!({"metric": "clicks", "value": "1"}), "value"),
            (json!({"metric": "clicks"}), "value"),
            (
                json!({"metric": "clicks", "value": 1, "recorded_at": "yesterday"}),
                "recorded_at",
            ),
            (
                json!({"metric": "clicks", "value": 1, "dimensions": [1]}),
                "dimensions",
            ),
            (
                json!({"metric": "clicks", "value": 1, "dimensions": {"a": {"b": 1}}}),
                "dimensions",
            ),
            (
                json!({"metric": "clicks", "value": 1, "colour": "red"}),
                "colour",
            ),
            (
                json!([{"metric": "clicks", "value": 1}, {"metric": "clicks", "value": true}]),
                "[1].value",
            ),
            (json!([]), "."),
        ] {
            assert_eq!(
                error_of(call(&host, "POST", &path, Some(body.clone()))),
                (422, field.to_owned()),
                "{body}"
            );
        }
        assert_eq!(
            host.records("analytics").len(),
            6,
            "a refused batch records nothing"
        );
        for (query, field) in [
            ("from=march", "from"),
            ("from=2026-03-02&to=2026-03-01", "to"),
            ("result_metric=A", "result_metric"),
        ] {
            assert_eq!(
                error_of(call(&host, "GET", &format!("{path}?{query}"), None)),
                (422, field.to_owned()),
                "{query}"
            );
        }
        assert_eq!(
            call(&host, "GET", &format!("/campaigns/{USER_ID}/metrics"), None).0,
            404
        );
        assert_eq!(
            call(
                &host,
                "POST",
                &format!("/campaigns/{USER_ID}/metrics"),
                Some(json!({"metric": "x", "value": 1}))
            )
            .0,
            404
        );
    }

    #[test]
    fn lists_filter_search_and_sort() {
        let host = TestHost::new();
        let a = campaign(
            &host,
            json!({"name": "Alpha launch", "campaign_type": "email", "budget": 10}),
        );
        campaign(
            &host,
            json!({"name": "Beta webinar", "campaign_type": "webinar", "budget": 30}),
        );
        campaign(
            &host,
            json!({"name": "Gamma launch", "campaign_type": "email", "budget": 20}),
        );
        call(
            &host,
            "POST",
            &format!("/campaigns/{a}/status"),
            Some(json!({"status": "active"})),
        );
        let names = |target: &str| -> Vec<String> {
            let (status, body) = call(&host, "GET", target, None);
            assert_eq!(status, 200, "{body}");
            body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["name"].as_str().unwrap().to_owned())
                .collect()
        };
        assert_eq!(
            names("/campaigns?sort=-budget"),
            ["Beta webinar", "Gamma launch", "Alpha launch"]
        );
        assert_eq!(
            names("/campaigns?search=LAUNCH&sort=name"),
            ["Alpha launch", "Gamma launch"]
        );
        assert_eq!(names("/campaigns?campaign_type=webinar"), ["Beta webinar"]);
        assert_eq!(names("/campaigns?status=active"), ["Alpha launch"]);
        assert_eq!(
            names("/campaigns?status=draft&sort=name&limit=1&page=2"),
            ["Gamma launch"]
        );
        for (query, field) in [
            ("status=won", "status"),
            ("campaign_type=fax", "campaign_type"),
            ("sort=secret", "sort"),
            ("limit=0", "limit"),
        ] {
            assert_eq!(
                error_of(call(&host, "GET", &format!("/campaigns?{query}"), None)),
                (422, field.to_owned())
            );
        }
        assert_eq!(
            error_of(call(&host, "GET", "/content?campaign_id=x", None)),
            (422, "campaign_id".into())
        );
    }
}
