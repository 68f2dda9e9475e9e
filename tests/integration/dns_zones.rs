//! DNS Services instances, zones, permitted networks and resource records over HTTP: Resource Controller's
//! `/v2/resource_instances`, the 404 every DNS Services operation answers for an unknown or another account's
//! instance, offset paging, the refusals of rules I1–I3, Z1–Z5, PN1–PN4 and R1–R8 with their status, code and field,
//! every record type's wire shape, and the zone file export.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Account, Server};

async fn call(server: &Server, who: &Account, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    server.call(method, path, Some(&who.token), body).await
}

async fn ok(server: &Server, who: &Account, method: Method, path: &str, body: Option<Value>) -> Value {
    let (status, value) = call(server, who, method.clone(), path, body).await;
    assert!(status.is_success(), "{method} {path}: {status} {value}");
    value
}

/// A refusal's status, `errors[0].code`, target and whether the message names `rule`.
fn refusal(answer: &(StatusCode, Value), rule: &str) -> (u16, String, Option<String>, bool) {
    let (status, body) = answer;
    let error = &body["errors"][0];
    (
        status.as_u16(),
        error["code"].as_str().unwrap_or_default().to_owned(),
        error["target"]["name"].as_str().map(str::to_owned),
        error["message"].as_str().unwrap_or_default().ends_with(&format!("(rule {rule})")),
    )
}

async fn instance(server: &Server, who: &Account, name: &str) -> Value {
    let body = json!({ "name": name, "target": "global", "resource_plan_id": "standard-dns" });
    let (status, created) = call(server, who, Method::POST, "/v2/resource_instances", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created
}

async fn vpc(server: &Server, who: &Account, name: &str) -> Value {
    ok(server, who, Method::POST, "/v1/vpcs?version=2026-10-06&generation=2", Some(json!({ "name": name }))).await
}

#[tokio::test]
async fn instances_are_provisioned_read_renamed_and_deleted_through_resource_controller() {
    let server = Server::ephemeral().await;
    let owner = server.account("owner").await;
    let other = server.account("other").await;
    let created = instance(&server, &owner, "dns-hub").await;
    let guid = created["guid"].as_str().unwrap().to_owned();
    let crn = format!("crn:v1:bluemix:public:dns-svcs:global:a/{}:{guid}::", owner.id);
    assert_eq!((created["id"].as_str(), created["crn"].as_str()), (Some(crn.as_str()), Some(crn.as_str())));
    assert_eq!(
        (&created["state"], &created["resource_plan_id"], &created["region_id"], &created["type"]),
        (&json!("active"), &json!("dns-svcs-standard-dns"), &json!("global"), &json!("service_instance"))
    );
    assert_eq!(created["last_operation"]["state"], "succeeded");
    // By GUID and by the CRN, escaped as one path segment.
    let by_guid = ok(&server, &owner, Method::GET, &format!("/v2/resource_instances/{guid}"), None).await;
    let escaped = crn.replace('/', "%2F");
    let by_crn = ok(&server, &owner, Method::GET, &format!("/v2/resource_instances/{escaped}"), None).await;
    assert_eq!(by_guid, by_crn);
    instance(&server, &owner, "dns-lab").await;
    let listed = ok(&server, &owner, Method::GET, "/v2/resource_instances?name=dns-hub", None).await;
    assert_eq!((listed["rows_count"].clone(), listed["resources"][0]["guid"].clone()), (json!(1), json!(guid)));
    let paged = ok(&server, &owner, Method::GET, "/v2/resource_instances?limit=1", None).await;
    assert_eq!(paged["next_url"], "/v2/resource_instances?limit=1&start=1");
    let none = ok(&server, &owner, Method::GET, "/v2/resource_instances?resource_id=cloud-object-storage", None).await;
    assert_eq!(none["rows_count"], 0);
    let renamed = ok(
        &server,
        &owner,
        Method::PATCH,
        &format!("/v2/resource_instances/{guid}"),
        Some(json!({ "name": "dns-shared", "resource_plan_id": "free-plan" })),
    )
    .await;
    assert_eq!((&renamed["name"], &renamed["resource_plan_id"]), (&json!("dns-shared"), &json!("dns-svcs-free-plan")));

    // Refusals: a plan or a location DNS Services does not have (I1), a blank name (I2), another account's group.
    for (body, rule, field) in [
        (json!({ "name": "x", "target": "global", "resource_plan_id": "lite" }), "I1", "resource_plan_id"),
        (json!({ "name": "x", "target": "us-south", "resource_plan_id": "standard-dns" }), "I1", "target"),
        (json!({ "name": "", "resource_plan_id": "standard-dns" }), "I2", "name"),
    ] {
        let answer = call(&server, &owner, Method::POST, "/v2/resource_instances", Some(body)).await;
        let (status, _, target, named) = refusal(&answer, rule);
        assert_eq!((status, target.as_deref(), named), (400, Some(field), true), "{}", answer.1);
    }
    let foreign_group = ok(&server, &other, Method::GET, "/v2/resource_groups?default=true", None).await;
    let body = json!({ "name": "x", "resource_plan_id": "standard-dns",
                       "resource_group": foreign_group["resources"][0]["id"] });
    let answer = call(&server, &owner, Method::POST, "/v2/resource_instances", Some(body)).await;
    assert_eq!(answer.0, StatusCode::NOT_FOUND, "{}", answer.1);

    // Another account's instance is not found, and nothing of it changes.
    for method in [Method::GET, Method::PATCH, Method::DELETE] {
        let body = (method == Method::PATCH).then(|| json!({ "name": "mine" }));
        let answer = call(&server, &other, method.clone(), &format!("/v2/resource_instances/{guid}"), body).await;
        assert_eq!(answer.0, StatusCode::NOT_FOUND, "{method}: {}", answer.1);
    }
    assert_eq!(ok(&server, &other, Method::GET, "/v2/resource_instances", None).await["rows_count"], 0);

    // An instance with a zone is not deleted (I3); emptied, it goes: it reads `removed`, is listed no more, and every
    // DNS Services operation under it is a 404.
    let zones = format!("/v1/instances/{guid}/dnszones");
    let zone = ok(&server, &owner, Method::POST, &zones, Some(json!({ "name": "example.com" }))).await;
    let answer = call(&server, &owner, Method::DELETE, &format!("/v2/resource_instances/{guid}"), None).await;
    assert_eq!(refusal(&answer, "I3"), (409, "instance_in_use".into(), None, true), "{}", answer.1);
    let zone_path = format!("{zones}/{}", zone["id"].as_str().unwrap());
    assert_eq!(call(&server, &owner, Method::DELETE, &zone_path, None).await.0, StatusCode::NO_CONTENT);
    let path = format!("/v2/resource_instances/{guid}");
    assert_eq!(call(&server, &owner, Method::DELETE, &path, None).await.0, StatusCode::NO_CONTENT);
    assert_eq!(ok(&server, &owner, Method::GET, &path, None).await["state"], "removed");
    let listed = ok(&server, &owner, Method::GET, "/v2/resource_instances", None).await;
    assert!(listed["resources"].as_array().unwrap().iter().all(|i| i["guid"] != json!(guid)), "{listed}");
    assert_eq!(call(&server, &owner, Method::GET, &zones, None).await.0, StatusCode::NOT_FOUND);
    assert_eq!(call(&server, &owner, Method::DELETE, &path, None).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn dns_services_operations_on_an_unknown_or_foreign_instance_are_not_found() {
    let server = Server::ephemeral().await;
    let owner = server.account("owner").await;
    let other = server.account("other").await;
    let guid = instance(&server, &owner, "dns").await["guid"].as_str().unwrap().to_owned();
    let zone = ok(
        &server,
        &owner,
        Method::POST,
        &format!("/v1/instances/{guid}/dnszones"),
        Some(json!({ "name": "example.com" })),
    )
    .await;
    let zone_id = zone["id"].as_str().unwrap().to_owned();
    for (who, instance) in [(&owner, "no-such-instance".to_owned()), (&other, guid.clone())] {
        let zone = format!("/v1/instances/{instance}/dnszones/{zone_id}");
        let requests: Vec<(Method, String, Option<Value>)> = vec![
            (Method::GET, format!("/v1/instances/{instance}/custom_resolvers"), None),
            (Method::POST, format!("/v1/instances/{instance}/custom_resolvers"), Some(json!({ "name": "r" }))),
            (Method::GET, format!("/v1/instances/{instance}/custom_resolvers/x"), None),
            (Method::PATCH, format!("/v1/instances/{instance}/custom_resolvers/x"), Some(json!({ "enabled": true }))),
            (Method::DELETE, format!("/v1/instances/{instance}/custom_resolvers/x"), None),
            (Method::GET, format!("/v1/instances/{instance}/dnszones"), None),
            (Method::POST, format!("/v1/instances/{instance}/dnszones"), Some(json!({ "name": "example.org" }))),
            (Method::GET, zone.clone(), None),
            (Method::PATCH, zone.clone(), Some(json!({ "label": "x" }))),
            (Method::DELETE, zone.clone(), None),
            (Method::GET, format!("{zone}/permitted_networks"), None),
            (Method::GET, format!("{zone}/resource_records"), None),
            (Method::GET, format!("{zone}/export_resource_records"), None),
            (
                Method::POST,
                format!("{zone}/resource_records"),
                Some(json!({ "type": "A", "name": "www", "rdata": { "ip": "10.0.0.1" } })),
            ),
        ];
        for (method, path, body) in requests {
            let (status, answer) = call(&server, who, method.clone(), &path, body).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {answer}");
            assert_eq!(answer["errors"][0]["code"], "not_found", "{answer}");
        }
    }
    // Nothing changed: the zone is still there, alone, with no records.
    let zones = ok(&server, &owner, Method::GET, &format!("/v1/instances/{guid}/dnszones"), None).await;
    assert_eq!(zones["total_count"], 1);
    assert_eq!(zones["dnszones"][0]["label"], "");
}

#[tokio::test]
async fn zones_page_by_offset_and_permitted_networks_make_them_active() {
    let server = Server::ephemeral().await;
    let owner = server.account("owner").await;
    let other = server.account("other").await;
    let guid = instance(&server, &owner, "dns").await["guid"].as_str().unwrap().to_owned();
    let zones = format!("/v1/instances/{guid}/dnszones");
    let created = ok(
        &server,
        &owner,
        Method::POST,
        &zones,
        Some(json!({ "name": "Example.COM.", "description": "hub zone", "label": "hub" })),
    )
    .await;
    assert_eq!(
        (&created["name"], &created["state"], &created["instance_id"], &created["label"]),
        (&json!("example.com"), &json!("pending_network_add"), &json!(guid), &json!("hub"))
    );
    let zone = format!("{zones}/{}", created["id"].as_str().unwrap());
    for n in 0..4 {
        ok(&server, &owner, Method::POST, &zones, Some(json!({ "name": format!("z{n}.example.com") }))).await;
    }
    let page = ok(&server, &owner, Method::GET, &format!("{zones}?offset=1&limit=2"), None).await;
    assert_eq!((page["offset"].clone(), page["limit"].clone(), page["count"].clone()), (json!(1), json!(2), json!(2)));
    assert_eq!(page["total_count"], 5);
    assert!(page["first"]["href"].as_str().unwrap().ends_with("/dnszones?offset=0&limit=2"), "{page}");
    assert!(page["last"]["href"].as_str().unwrap().ends_with("/dnszones?offset=3&limit=2"), "{page}");
    assert!(page["next"]["href"].as_str().unwrap().ends_with("/dnszones?offset=3&limit=2"), "{page}");
    assert!(page["previous"]["href"].as_str().unwrap().ends_with("/dnszones?offset=0&limit=2"), "{page}");
    assert_eq!(page["dnszones"][0]["name"], "z0.example.com");
    let all = ok(&server, &owner, Method::GET, &zones, None).await;
    assert_eq!((all["limit"].clone(), all["count"].clone(), all.get("next")), (json!(200), json!(5), None));
    let past = ok(&server, &owner, Method::GET, &format!("{zones}?offset=9"), None).await;
    assert_eq!(past["count"], 0);
    let answer = call(&server, &owner, Method::GET, &format!("{zones}?limit=0"), None).await;
    assert_eq!(answer.0, StatusCode::BAD_REQUEST, "{}", answer.1);
    assert_eq!(answer.1["errors"][0]["target"]["name"], "limit");

    // Zone name refusals (Z1, Z2), the quota (Z3) and the text fields (Z5).
    for (body, rule, code) in [
        (json!({ "name": "com" }), "Z1", "invalid_zone_name"),
        (json!({ "name": "example.com1" }), "Z1", "invalid_zone_name"),
        (json!({ "name": "hub.appdomain.cloud" }), "Z2", "restricted_zone_name"),
        (json!({ "name": "example.org", "label": "l".repeat(65) }), "Z5", "invalid_label"),
    ] {
        let answer = call(&server, &owner, Method::POST, &zones, Some(body)).await;
        assert_eq!(refusal(&answer, rule).0, 400, "{}", answer.1);
        assert_eq!(refusal(&answer, rule).1, code, "{}", answer.1);
        assert!(refusal(&answer, rule).3, "{}", answer.1);
    }
    for n in 4..9 {
        ok(&server, &owner, Method::POST, &zones, Some(json!({ "name": format!("z{n}.example.com") }))).await;
    }
    let answer = call(&server, &owner, Method::POST, &zones, Some(json!({ "name": "one-more.example.com" }))).await;
    assert_eq!(refusal(&answer, "Z3"), (409, "dns_zone_quota_exceeded".into(), None, true), "{}", answer.1);
    let updated =
        ok(&server, &owner, Method::PATCH, &zone, Some(json!({ "description": "shared", "label": "main" }))).await;
    assert_eq!((&updated["description"], &updated["label"]), (&json!("shared"), &json!("main")));

    // A permitted network makes the zone active; its id is the VPC's.
    let hub = vpc(&server, &owner, "hub").await;
    let networks = format!("{zone}/permitted_networks");
    let permit = json!({ "type": "vpc", "permitted_network": { "vpc_crn": hub["crn"] } });
    let network = ok(&server, &owner, Method::POST, &networks, Some(permit.clone())).await;
    assert_eq!(
        (&network["id"], &network["state"], &network["type"], &network["permitted_network"]["vpc_crn"]),
        (&hub["id"], &json!("ACTIVE"), &json!("vpc"), &hub["crn"])
    );
    assert_eq!(ok(&server, &owner, Method::GET, &zone, None).await["state"], "active");
    let listed = ok(&server, &owner, Method::GET, &networks, None).await;
    assert_eq!(
        (listed["total_count"].clone(), listed["permitted_networks"][0]["id"].clone()),
        (json!(1), hub["id"].clone())
    );
    let filtered =
        ok(&server, &owner, Method::GET, &format!("{zones}?vpc_id={}", hub["id"].as_str().unwrap()), None).await;
    assert_eq!(
        (filtered["total_count"].clone(), filtered["dnszones"][0]["id"].clone()),
        (json!(1), created["id"].clone())
    );

    // Refusals: the same VPC again (PN3), a bad CRN (PN1), another account's VPC (PN2), a zone with networks (Z4).
    let answer = call(&server, &owner, Method::POST, &networks, Some(permit.clone())).await;
    assert_eq!(
        refusal(&answer, "PN3"),
        (409, "permitted_network_duplicate".into(), Some("permitted_network.vpc_crn".into()), true),
        "{}",
        answer.1
    );
    let bad = json!({ "type": "vpc", "permitted_network": { "vpc_crn": "r006-nothing" } });
    let answer = call(&server, &owner, Method::POST, &networks, Some(bad)).await;
    assert_eq!(refusal(&answer, "PN1").0, 400, "{}", answer.1);
    let theirs = vpc(&server, &other, "theirs").await;
    let foreign = json!({ "type": "vpc", "permitted_network": { "vpc_crn": theirs["crn"] } });
    let answer = call(&server, &owner, Method::POST, &networks, Some(foreign)).await;
    assert_eq!(answer.0, StatusCode::NOT_FOUND, "{}", answer.1);
    let answer = call(&server, &owner, Method::DELETE, &zone, None).await;
    assert_eq!(refusal(&answer, "Z4"), (409, "dns_zone_has_permitted_networks".into(), None, true), "{}", answer.1);

    // Removal answers 202 with the network `REMOVAL_IN_PROGRESS`; it is gone at once, and the zone pending again.
    let network_path = format!("{networks}/{}", hub["id"].as_str().unwrap());
    let (status, removed) = call(&server, &owner, Method::DELETE, &network_path, None).await;
    assert_eq!((status, &removed["state"]), (StatusCode::ACCEPTED, &json!("REMOVAL_IN_PROGRESS")), "{removed}");
    assert_eq!(call(&server, &owner, Method::GET, &network_path, None).await.0, StatusCode::NOT_FOUND);
    assert_eq!(ok(&server, &owner, Method::GET, &zone, None).await["state"], "pending_network_add");

    // Deleting a VPC removes it from the zones that permit it.
    ok(&server, &owner, Method::POST, &networks, Some(permit)).await;
    let vpc_path = format!("/v1/vpcs/{}?version=2026-10-06&generation=2", hub["id"].as_str().unwrap());
    assert_eq!(call(&server, &owner, Method::DELETE, &vpc_path, None).await.0, StatusCode::NO_CONTENT);
    assert_eq!(ok(&server, &owner, Method::GET, &networks, None).await["total_count"], 0);
    assert_eq!(call(&server, &owner, Method::DELETE, &zone, None).await.0, StatusCode::NO_CONTENT);
    assert_eq!(call(&server, &owner, Method::GET, &zone, None).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn records_of_every_type_round_trip_and_export_as_a_zone_file() {
    let server = Server::ephemeral().await;
    let owner = server.account("owner").await;
    let guid = instance(&server, &owner, "dns").await["guid"].as_str().unwrap().to_owned();
    let zone = ok(
        &server,
        &owner,
        Method::POST,
        &format!("/v1/instances/{guid}/dnszones"),
        Some(json!({ "name": "example.com" })),
    )
    .await;
    let zone = format!("/v1/instances/{guid}/dnszones/{}", zone["id"].as_str().unwrap());
    let records = format!("{zone}/resource_records");
    let cases = [
        (
            json!({ "type": "A", "name": "www", "rdata": { "ip": "10.0.0.5" } }),
            "www.example.com",
            json!({ "ip": "10.0.0.5" }),
        ),
        (
            json!({ "type": "AAAA", "name": "www", "rdata": { "ip": "2001:db8::5" }, "ttl": 60 }),
            "www.example.com",
            json!({ "ip": "2001:db8::5" }),
        ),
        (
            json!({ "type": "CNAME", "name": "web.example.com", "rdata": { "cname": "WWW.example.com." } }),
            "web.example.com",
            json!({ "cname": "www.example.com" }),
        ),
        (
            json!({ "type": "MX", "name": "@", "rdata": { "exchange": "mail.example.com", "preference": 10 } }),
            "example.com",
            json!({ "exchange": "mail.example.com", "preference": 10 }),
        ),
        (
            json!({ "type": "SRV", "name": "test", "service": "_sip", "protocol": "udp",
                    "rdata": { "priority": 1, "weight": 2, "port": 5060, "target": "www.example.com" } }),
            "_sip._udp.test.example.com",
            json!({ "priority": 1, "weight": 2, "port": 5060, "target": "www.example.com" }),
        ),
        (
            json!({ "type": "TXT", "name": "@", "rdata": { "text": "v=spf1 -all" } }),
            "example.com",
            json!({ "text": "v=spf1 -all" }),
        ),
        (
            json!({ "type": "PTR", "name": "10.0.0.5", "rdata": { "ptrdname": "www.example.com" } }),
            "5.0.0.10.in-addr.arpa",
            json!({ "ptrdname": "www.example.com" }),
        ),
    ];
    let mut ids = Vec::new();
    for (body, name, rdata) in cases {
        let kind = body["type"].clone();
        let created = ok(&server, &owner, Method::POST, &records, Some(body)).await;
        assert_eq!((&created["name"], &created["type"], &created["rdata"]), (&json!(name), &kind, &rdata), "{created}");
        assert!(created["id"].as_str().unwrap().starts_with(&format!("{}:", kind.as_str().unwrap())), "{created}");
        ids.push(created["id"].as_str().unwrap().to_owned());
    }
    let srv = ok(&server, &owner, Method::GET, &format!("{records}/{}", ids[4]), None).await;
    assert_eq!((&srv["service"], &srv["protocol"], &srv["ttl"]), (&json!("_sip"), &json!("udp"), &json!(900)));
    let listed = ok(&server, &owner, Method::GET, &format!("{records}?type=AAAA"), None).await;
    assert_eq!((listed["total_count"].clone(), listed["resource_records"][0]["ttl"].clone()), (json!(1), json!(60)));
    let named = ok(&server, &owner, Method::GET, &format!("{records}?name=www"), None).await;
    assert_eq!(named["total_count"], 2);
    let page = ok(&server, &owner, Method::GET, &format!("{records}?offset=6&limit=5"), None).await;
    assert_eq!((page["count"].clone(), page["total_count"].clone()), (json!(1), json!(7)));

    // Refusals, each with its rule, code and field.
    for (body, rule, status, code, field) in [
        (json!({ "type": "NS", "name": "x", "rdata": {} }), "R1", 400, "invalid_record_type", Some("type")),
        (json!({ "type": "A", "name": "x", "rdata": { "ip": "::1" } }), "R2", 400, "invalid_rdata", Some("rdata.ip")),
        (
            json!({ "type": "MX", "name": "x", "rdata": { "exchange": "m.example.com" } }),
            "R2",
            400,
            "invalid_rdata",
            Some("rdata.preference"),
        ),
        (
            json!({ "type": "A", "name": "x", "ttl": 43201, "rdata": { "ip": "10.0.0.1" } }),
            "R3",
            400,
            "invalid_ttl",
            Some("ttl"),
        ),
        (
            json!({ "type": "A", "name": "a b", "rdata": { "ip": "10.0.0.1" } }),
            "R4",
            400,
            "invalid_record_name",
            Some("name"),
        ),
        (
            json!({ "type": "CNAME", "name": "www", "rdata": { "cname": "web.example.com" } }),
            "R5",
            409,
            "record_conflict",
            Some("name"),
        ),
        (
            json!({ "type": "A", "name": "web", "rdata": { "ip": "10.0.0.1" } }),
            "R5",
            409,
            "record_conflict",
            Some("name"),
        ),
        (
            json!({ "type": "PTR", "name": "10.0.0.6", "rdata": { "ptrdname": "www.example.com" } }),
            "R7",
            400,
            "ptr_without_address_record",
            Some("rdata.ptrdname"),
        ),
        (json!({ "type": "A", "name": "www", "rdata": { "ip": "10.0.0.5" } }), "R8", 409, "record_duplicate", None),
    ] {
        let answer = call(&server, &owner, Method::POST, &records, Some(body)).await;
        assert_eq!(
            refusal(&answer, rule),
            (status, code.to_owned(), field.map(str::to_owned), true),
            "{rule}: {}",
            answer.1
        );
    }
    let answer =
        call(&server, &owner, Method::POST, &records, Some(json!({ "type": "A", "name": "x", "rdata": { "ip": 5 } })))
            .await;
    assert_eq!(answer.0, StatusCode::BAD_REQUEST, "{}", answer.1);

    // PUT replaces name, data and TTL; the type stays.
    let replaced = ok(
        &server,
        &owner,
        Method::PUT,
        &format!("{records}/{}", ids[5]),
        Some(json!({ "name": "info", "rdata": { "text": "hello" }, "ttl": 300 })),
    )
    .await;
    assert_eq!(
        (&replaced["name"], &replaced["rdata"]["text"], &replaced["ttl"]),
        (&json!("info.example.com"), &json!("hello"), &json!(300))
    );
    let answer = call(
        &server,
        &owner,
        Method::PUT,
        &format!("{records}/{}", ids[5]),
        Some(json!({ "type": "A", "name": "info", "rdata": { "ip": "10.0.0.1" } })),
    )
    .await;
    assert_eq!(refusal(&answer, "R1").0, 400, "{}", answer.1);

    let response =
        server.request(Method::GET, &format!("{zone}/export_resource_records"), Some(&owner.token), None, &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let file = response.text().await.unwrap();
    assert!(file.starts_with("$ORIGIN example.com.\n"), "{file}");
    for line in [
        "5.0.0.10.in-addr.arpa. 900 IN PTR www.example.com.",
        "_sip._udp.test.example.com. 900 IN SRV 1 2 5060 www.example.com.",
        "example.com. 900 IN MX 10 mail.example.com.",
        "info.example.com. 300 IN TXT \"hello\"",
        "www.example.com. 60 IN AAAA 2001:db8::5",
        "www.example.com. 900 IN A 10.0.0.5",
    ] {
        assert!(file.contains(&format!("{line}\n")), "{line} in {file}");
    }

    // The exported file imports whole into another zone of the same name, and a second time not at all (every record
    // is already there, rule R8); a body that is not a multipart file is refused with the part at fault.
    let copy = ok(
        &server,
        &owner,
        Method::POST,
        &format!("/v1/instances/{guid}/dnszones"),
        Some(json!({ "name": "example.com", "label": "copy" })),
    )
    .await;
    let import = format!("/v1/instances/{guid}/dnszones/{}/import_resource_records", copy["id"].as_str().unwrap());
    let boundary = "hubspoke-test-boundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"zone.txt\"\r\nContent-Type: text/plain\r\n\r\n{file}\r\n--{boundary}--\r\n"
    );
    let upload = |body: String| {
        server
            .client
            .post(format!("{}{import}", server.base))
            .bearer_auth(&owner.token)
            .header("content-type", format!("multipart/form-data; boundary={boundary}"))
            .body(body)
            .send()
    };
    let report: Value = upload(body.clone()).await.unwrap().json().await.unwrap();
    let lines = file.lines().filter(|line| !line.starts_with('$')).count();
    assert_eq!((&report["total_records_parsed"], &report["records_added"]), (&json!(lines), &json!(lines)), "{report}");
    assert_eq!((&report["records_added_by_type"]["PTR"], &report["records_failed"]), (&json!(1), &json!(0)));
    let again: Value = upload(body).await.unwrap().json().await.unwrap();
    assert_eq!(again["records_failed"], json!(lines), "{again}");
    assert_eq!(again["errors"][0]["error"]["code"], "record_duplicate", "{again}");
    let (status, answer) = call(&server, &owner, Method::POST, &import, Some(json!({ "file": "x" }))).await;
    assert_eq!((status, &answer["errors"][0]["target"]["name"]), (StatusCode::BAD_REQUEST, &json!("file")), "{answer}");

    // Deleting the A record takes its PTR with it.
    assert_eq!(
        call(&server, &owner, Method::DELETE, &format!("{records}/{}", ids[0]), None).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        call(&server, &owner, Method::GET, &format!("{records}/{}", ids[6]), None).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(ok(&server, &owner, Method::GET, &records, None).await["total_count"], 5);
}
