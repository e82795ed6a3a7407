//! How generated code behaves, on the fixture that uses every supported
//! construct (`tests/fixtures/features/openapi.yaml` → `tests/src/features.rs`).

use paygen::runtime::{Error, HttpOptions, Nullable, RetryPolicy};
use paygen_tests::features as f;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn order() -> f::Order {
    f::Order::new(vec![f::OrderLine::new("SKU-1", 2)], 3000, None)
}

#[test]
fn absent_null_and_value_are_three_different_requests() {
    // `note` is required and nullable: None is sent as null. `discount` is
    // optional and nullable: left out unless set.
    assert_eq!(
        serde_json::to_value(order()).unwrap(),
        json!({"lines": [{"sku": "SKU-1", "quantity": 2}], "total": 3000, "note": null})
    );
    let mut o = order();
    o.discount = Some(Nullable::Null);
    assert_eq!(serde_json::to_value(&o).unwrap()["discount"], json!(null));
    let o = order().discount(150);
    assert_eq!(serde_json::to_value(&o).unwrap()["discount"], json!(150));
}

#[test]
fn read_only_fields_are_decoded_but_never_sent() {
    let decoded: f::Order = serde_json::from_value(json!({
        "id": "ord_1",
        "created_at": "2024-01-01T12:00:00Z",
        "lines": [{"sku": "A", "quantity": 1}],
        "total": 10,
        "note": "gift",
        "discount": null,
        "field_from_a_newer_api": {"ignored": true}
    }))
    .unwrap();
    assert_eq!(decoded.id.as_deref(), Some("ord_1"));
    assert_eq!(
        decoded.created_at.unwrap().to_string(),
        "2024-01-01T12:00:00Z"
    );
    assert_eq!(decoded.discount, Some(Nullable::Null));
    assert_eq!(decoded.note.as_deref(), Some("gift"));
    let resent = serde_json::to_value(&decoded).unwrap();
    assert!(
        resent.get("id").is_none() && resent.get("created_at").is_none(),
        "{resent}"
    );
}

#[test]
fn keywords_and_colliding_names_keep_their_wire_names() {
    let mut o = order()
        .r#type("x")
        .r#match(true)
        .self_(1.5)
        .order_ref("a")
        .order_ref2("b");
    o.metadata = Some([("k".to_string(), "v".to_string())].into());
    let v = serde_json::to_value(&o).unwrap();
    assert_eq!(v["type"], "x");
    assert_eq!(v["match"], true);
    assert_eq!(v["self"], 1.5);
    assert_eq!(v["order-ref"], "a");
    assert_eq!(v["order_ref"], "b");
    assert_eq!(v["metadata"], json!({"k": "v"}));
    // `Order Line` and `OrderLine` both exist; `Client` is renamed away from the client.
    let _: f::OrderLine2 = f::OrderLine2::new().label("l");
    let _: f::ClientModel = f::ClientModel::new();
}

#[test]
fn string_enums_keep_unknown_values() {
    let kinds: Vec<f::Kind> =
        serde_json::from_value(json!(["physical", "3d-print", "", "hologram"])).unwrap();
    assert_eq!(
        kinds,
        vec![
            f::Kind::Physical,
            f::Kind::V3dPrint,
            f::Kind::Empty,
            f::Kind::Unknown("hologram".into())
        ]
    );
    assert_eq!(
        serde_json::to_value(&kinds).unwrap(),
        json!(["physical", "3d-print", "", "hologram"])
    );
}

#[test]
fn discriminated_union_follows_the_mapping() {
    let pets: Vec<f::Pet> = serde_json::from_value(json!([
        {"pet_type": "cat", "lives": 9},
        {"pet_type": "doggo", "good": true},
        {"pet_type": "fish", "fins": 2}
    ]))
    .unwrap();
    assert!(matches!(&pets[0], f::Pet::Cat(c) if c.lives == Some(9)));
    assert!(matches!(&pets[1], f::Pet::Dog(d) if d.good == Some(true)));
    assert!(matches!(&pets[2], f::Pet::Unknown(v) if v["fins"] == 2));
    // Encoding writes the variant's own fields, tag included.
    assert_eq!(
        serde_json::to_value(&pets[1]).unwrap(),
        json!({"pet_type": "doggo", "good": true})
    );
}

#[test]
fn untagged_union_recursion_and_additional_properties() {
    let tree: f::Node = serde_json::from_value(json!({
        "name": "root",
        "key": 7,
        "parent": {"name": "up", "key": "seven"},
        "children": [{"name": "leaf"}]
    }))
    .unwrap();
    assert_eq!(tree.key, Some(f::IdOrName::Integer(7)));
    let parent = tree.parent.as_deref().unwrap();
    assert_eq!(parent.key, Some(f::IdOrName::String("seven".into())));
    assert_eq!(
        tree.children.as_ref().unwrap()[0].name.as_deref(),
        Some("leaf")
    );
    let p: f::Problem = serde_json::from_value(json!({"code": "E1", "trace": "abc"})).unwrap();
    assert_eq!(p.additional["trace"], "abc");
    assert_eq!(
        serde_json::to_value(&p).unwrap(),
        json!({"code": "E1", "trace": "abc"})
    );
}

fn client(server: &MockServer) -> f::Client {
    f::Client::new(
        f::Config::new("tok")
            .base_url(server.uri())
            .options(HttpOptions::default().retry(RetryPolicy::none())),
    )
    .unwrap()
}

#[test]
fn environments_default_to_the_first_server() {
    assert_eq!(
        f::Environment::default().base_url(),
        "https://api.example.test/v2"
    );
    assert_eq!(
        f::Environment::Sandbox.base_url(),
        "https://sandbox.example.test/v2"
    );
    let c = f::Client::new(f::Config::new("tok")).unwrap();
    assert_eq!(c.base_url(), "https://api.example.test/v2");
}

#[tokio::test]
async fn path_query_and_header_parameters_are_encoded() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"sku": "A", "quantity": 3})))
        .expect(1)
        .mount(&server)
        .await;
    let line = client(&server)
        .get_order_line(
            "a/b?c#d e%",
            7,
            f::GetOrderLineParams::new()
                .expand(vec!["x".into(), "y z".into()])
                .x_request_id("req-1")
                .r#type(f::Kind::V3dPrint),
        )
        .await
        .unwrap();
    assert_eq!(line.quantity, 3);
    let req = &server.received_requests().await.unwrap()[0];
    assert_eq!(req.url.path(), "/orders/a%2Fb%3Fc%23d%20e%25/lines/7");
    assert_eq!(req.url.query(), Some("expand=x&expand=y+z&type=3d-print"));
    assert_eq!(req.headers["x-request-id"], "req-1");
    assert_eq!(req.headers["authorization"], "Bearer tok");
}

#[tokio::test]
async fn error_statuses_decode_to_the_operation_error_type() {
    let server = MockServer::start().await;
    Mock::given(path("/orders/missing/lines/1"))
        .respond_with(ResponseTemplate::new(404).set_body_string("not here"))
        .mount(&server)
        .await;
    Mock::given(path("/orders/broken/lines/1"))
        .respond_with(ResponseTemplate::new(418).set_body_json(json!({"code": "TEAPOT"})))
        .mount(&server)
        .await;
    let c = client(&server);
    match c
        .get_order_line("missing", 1, f::GetOrderLineParams::new())
        .await
    {
        Err(Error::Api(e)) => {
            assert_eq!(e.status, 404);
            assert_eq!(e.body, Some(f::GetOrderLineError::NotFound));
            assert_eq!(e.raw_body, "not here");
        }
        other => panic!("expected 404, got {other:?}"),
    }
    match c
        .get_order_line("broken", 1, f::GetOrderLineParams::new())
        .await
    {
        Err(Error::Api(e)) => {
            assert_eq!(e.status, 418);
            assert!(
                matches!(e.body, Some(f::GetOrderLineError::Other(ref p)) if p.code.as_deref() == Some("TEAPOT"))
            );
        }
        other => panic!("expected 418, got {other:?}"),
    }
}

#[tokio::test]
async fn several_success_bodies_and_status_ranges() {
    let server = MockServer::start().await;
    let c = client(&server);
    let created =
        json!({"id": "o1", "lines": [{"sku": "A", "quantity": 1}], "total": 1, "note": null});
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_json(&created))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    assert!(
        matches!(c.create_order(order()).await.unwrap(), f::CreateOrderResponse::Created(o) if o.id.as_deref() == Some("o1"))
    );
    server.reset().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({"ticket": "t-9"})))
        .mount(&server)
        .await;
    assert!(
        matches!(c.create_order(order()).await.unwrap(), f::CreateOrderResponse::Accepted(a) if a.ticket.as_deref() == Some("t-9"))
    );
    server.reset().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(400).set_body_json(json!({"lines": ["must not be empty"]})),
        )
        .mount(&server)
        .await;
    let err = c.create_order(order()).await.unwrap_err();
    assert!(
        matches!(err.body(), Some(f::CreateOrderError::BadRequest(m)) if m["lines"] == ["must not be empty"])
    );
    server.reset().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503).set_body_json(json!({"detail": "down"})))
        .expect(1)
        .mount(&server)
        .await;
    let err = c.create_order(order()).await.unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert!(
        matches!(err.body(), Some(f::CreateOrderError::Status5xx(p)) if p.detail.as_deref() == Some("down"))
    );
}

#[tokio::test]
async fn operations_without_bodies() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path("/orders/o1"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/pets"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"pet_type": "cat"})))
        .mount(&server)
        .await;
    let c = client(&server);
    // No operationId: the name comes from the method and path.
    c.delete_orders_order_id("o1").await.unwrap();
    // An optional body that is not given is not sent.
    let pet = c.put_pet(None).await.unwrap();
    assert!(matches!(pet, f::Pet::Cat(_)));
    let reqs = server.received_requests().await.unwrap();
    let put = reqs.iter().find(|r| r.method.as_str() == "PUT").unwrap();
    assert!(put.body.is_empty());
    assert!(put.headers.get("content-type").is_none());
}

#[test]
fn openapi_31_spellings_read_as_their_30_equivalents() {
    // `type: [string, "null"]` on a required property: required, may be null.
    // `const` is a one-value enum; `anyOf [$ref, {type: null}]` is a
    // nullable (and, here, recursive and boxed) reference.
    let inv = f::Invoice::new("inv_1", f::InvoiceKind::Invoice, None);
    assert_eq!(
        serde_json::to_value(&inv).unwrap(),
        json!({"id": "inv_1", "kind": "invoice", "memo": null})
    );
    let decoded: f::Invoice = serde_json::from_value(json!({
        "id": "inv_2", "kind": "invoice", "memo": "m", "due": null,
        "amount": 5, "line": {"sku": "S", "quantity": 1},
        "parent": {"id": "inv_1", "kind": "credit", "memo": null, "parent": null}
    }))
    .unwrap();
    assert_eq!(decoded.due, Some(Nullable::Null));
    assert_eq!(decoded.line.as_ref().map(|l| l.sku.as_str()), Some("S"));
    let Some(Nullable::Value(parent)) = &decoded.parent else {
        panic!("parent should decode: {decoded:?}");
    };
    assert_eq!(parent.kind, f::InvoiceKind::Unknown("credit".into()));
    assert_eq!(parent.parent, Some(Nullable::Null));
}

/// The request wiremock received (the only one).
async fn only_request(server: &MockServer) -> wiremock::Request {
    let mut reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 1, "{reqs:?}");
    reqs.remove(0)
}

/// Form pairs with their keys and values decoded, for readable assertions.
fn decoded_pairs(text: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(text.as_bytes())
        .into_owned()
        .collect()
}

#[tokio::test]
async fn form_bodies_nest_objects_maps_and_lists_of_objects_with_brackets() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/customers"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"id": "cus_1", "email": "a@b.test"})),
        )
        .mount(&server)
        .await;
    let customer = client(&server)
        .create_customer(
            f::CreateCustomerRequest::new("a@b.test")
                .preferred(true)
                .balance(-5)
                .address(
                    f::CreateCustomerRequestAddress::new()
                        .line1("1 Main St")
                        .country("DE"),
                )
                .metadata([("order".to_string(), "42".to_string())].into())
                .items(vec![
                    f::CreateCustomerRequestItemsItem::new("price_1").quantity(2),
                    f::CreateCustomerRequestItemsItem::new("price_2"),
                ])
                .tags(vec!["vip".to_string(), "eu".to_string()])
                .expand(vec!["customer".to_string()])
                .channels(vec!["sms".to_string(), "mail".to_string()])
                .labels(vec!["new".to_string(), "b2b".to_string()])
                .invoice_settings(f::CreateCustomerRequestInvoiceSettings::CreateCustomerRequestInvoiceSettingsOption1(
                    f::CreateCustomerRequestInvoiceSettingsOption1::new().footer("Thanks & bye"),
                )),
        )
        .await
        .unwrap();
    assert_eq!(customer.id.as_deref(), Some("cus_1"));
    let req = only_request(&server).await;
    assert_eq!(
        req.headers["content-type"],
        "application/x-www-form-urlencoded"
    );
    let body = String::from_utf8(req.body.clone()).unwrap();
    // Brackets are percent-encoded on the wire, as form encoding requires.
    assert_eq!(
        body,
        "email=a%40b.test&preferred=true&balance=-5\
         &address%5Bline1%5D=1+Main+St&address%5Bcountry%5D=DE\
         &metadata%5Border%5D=42\
         &items%5B0%5D%5Bprice%5D=price_1&items%5B0%5D%5Bquantity%5D=2\
         &items%5B1%5D%5Bprice%5D=price_2\
         &tags=vip&tags=eu&expand%5B0%5D=customer&channels=sms%7Cmail&labels=new%2Cb2b\
         &invoice_settings%5Bfooter%5D=Thanks+%26+bye"
    );
    assert_eq!(
        decoded_pairs(&body),
        [
            ("email", "a@b.test"),
            ("preferred", "true"),
            ("balance", "-5"),
            ("address[line1]", "1 Main St"),
            ("address[country]", "DE"),
            ("metadata[order]", "42"),
            ("items[0][price]", "price_1"),
            ("items[0][quantity]", "2"),
            ("items[1][price]", "price_2"),
            ("tags", "vip"),
            ("tags", "eu"),
            ("expand[0]", "customer"),
            ("channels", "sms|mail"),
            ("labels", "new,b2b"),
            ("invoice_settings[footer]", "Thanks & bye"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()))
    );
}

#[tokio::test]
async fn an_emptyable_form_field_sends_an_empty_string() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    client(&server)
        .create_customer(f::CreateCustomerRequest::new("a@b.test").invoice_settings(
            f::CreateCustomerRequestInvoiceSettings::CreateCustomerRequestInvoiceSettingsOption2(
                f::CreateCustomerRequestInvoiceSettingsOption2::Empty,
            ),
        ))
        .await
        .unwrap();
    let req = only_request(&server).await;
    assert_eq!(req.body, b"email=a%40b.test&invoice_settings=");
}

#[tokio::test]
async fn query_parameters_follow_their_style_and_explode() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/customers"))
        .respond_with(ResponseTemplate::new(200).set_body_string("id,email\ncus_1,a@b.test\n"))
        .mount(&server)
        .await;
    let c = client(&server);
    let listing = c
        .list_customers(
            f::ListCustomersParams::new()
                .created(
                    f::ListCustomersCreated::ListCustomersCreatedRangeQuerySpecs(
                        f::ListCustomersCreatedRangeQuerySpecs::new()
                            .gte(1700000000)
                            .lt(1800000000),
                    ),
                )
                .metadata([("order".to_string(), "42".to_string())].into())
                .lines(vec![f::ListCustomersLinesItem::new()
                    .price("p1")
                    .quantity(3)])
                .expand(vec!["data.invoice".into(), "data.tax".into()])
                .ids(vec!["a".into(), "b c".into()])
                .tags(vec!["red".into(), "blue".into()])
                .codes(vec![1, 2, 3])
                .page(f::ListCustomersPage::new().size(50).cursor("cur_9"))
                .balance_id("bal_1")
                .x_filter(f::ListCustomersXFilter::new().region("eu").tier(2)),
        )
        .await
        .unwrap();
    // A text/plain answer is handed over as text.
    assert_eq!(listing, "id,email\ncus_1,a@b.test\n");
    let req = only_request(&server).await;
    let query = req.url.query().unwrap().to_string();
    assert_eq!(
        decoded_pairs(&query),
        [
            ("created[gte]", "1700000000"),
            ("created[lt]", "1800000000"),
            ("metadata[order]", "42"),
            ("lines[0][price]", "p1"),
            ("lines[0][quantity]", "3"),
            ("expand[0]", "data.invoice"),
            ("expand[1]", "data.tax"),
            ("ids", "a,b c"),
            ("tags", "red blue"),
            ("codes", "1|2|3"),
            ("size", "50"),
            ("cursor", "cur_9"),
            ("balance_id", "bal_1"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()))
    );
    assert_eq!(req.headers["x-filter"], "region,eu,tier,2");
    // Stripe declares an empty form body on GETs: none is sent, none is asked for.
    assert!(req.body.is_empty());
    assert!(req.headers.get("content-type").is_none());

    // The integer form of the same parameter is a plain pair.
    server.reset().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string(""))
        .mount(&server)
        .await;
    c.list_customers(f::ListCustomersParams::new().created(f::ListCustomersCreated::Integer(5)))
        .await
        .unwrap();
    let req = only_request(&server).await;
    assert_eq!(req.url.query(), Some("created=5"));
}

#[tokio::test]
async fn multipart_uploads_send_files_as_file_parts() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/files"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "file_1", "size": 4})))
        .mount(&server)
        .await;
    let stored = client(&server)
        .upload_file(
            f::UploadFileRequest::new(&b"%PDF"[..], f::UploadFileRequestPurpose::DisputeEvidence)
                .file_link_data(f::UploadFileRequestFileLinkData::new().create(true)),
        )
        .await
        .unwrap();
    assert_eq!(stored.id.as_deref(), Some("file_1"));
    let req = only_request(&server).await;
    let content_type = req.headers["content-type"].to_str().unwrap().to_string();
    let boundary = content_type
        .strip_prefix("multipart/form-data; boundary=")
        .unwrap_or_else(|| panic!("{content_type}"));
    let body = String::from_utf8(req.body.clone()).unwrap();
    assert_eq!(
        body,
        format!(
            "--{boundary}\r\n\
             Content-Disposition: form-data; name=\"file\"; filename=\"file\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n\
             %PDF\r\n\
             --{boundary}\r\n\
             Content-Disposition: form-data; name=\"purpose\"\r\n\r\n\
             dispute_evidence\r\n\
             --{boundary}\r\n\
             Content-Disposition: form-data; name=\"file_link_data[create]\"\r\n\r\n\
             true\r\n\
             --{boundary}--\r\n"
        )
    );
}

#[tokio::test]
async fn a_pdf_answer_is_bytes() {
    let server = MockServer::start().await;
    let pdf = b"%PDF-1.7\n\xff\xfe binary".to_vec();
    Mock::given(method("GET"))
        .and(path("/invoices/inv_1/pdf"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(pdf.clone(), "application/pdf"))
        .mount(&server)
        .await;
    let c = client(&server);
    let bytes = c.get_invoice_pdf("inv_1").await.unwrap();
    assert_eq!(&bytes[..], &pdf[..]);
    // It asks for what the document says it answers with, not for JSON
    // (a strict server answers `Accept: application/json` with 406).
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs[0].headers["accept"], "application/pdf");
    // A text answer asks for text; a JSON operation still for JSON.
    let _ = c.list_customers(f::ListCustomersParams::new()).await;
    let _ = c
        .get_order_line("o_1", 1, f::GetOrderLineParams::new())
        .await;
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs[1].headers["accept"], "text/plain");
    assert_eq!(reqs[2].headers["accept"], "application/json");
}

#[tokio::test]
async fn required_raw_and_text_bodies_are_sent_as_given() {
    let server = MockServer::start().await;
    Mock::given(path("/invoices/inv_1/attachment"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let c = client(&server);
    let bytes = paygen::runtime::Bytes::from_static(b"\x00\xffraw");
    c.put_invoice_attachment("inv_1", bytes).await.unwrap();
    c.post_invoice_note("inv_1", "paid in full".to_string())
        .await
        .unwrap();
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].method.as_str(), "PUT");
    assert_eq!(reqs[0].headers["content-type"], "application/octet-stream");
    assert_eq!(reqs[0].body, b"\x00\xffraw");
    assert_eq!(reqs[1].method.as_str(), "POST");
    assert_eq!(reqs[1].headers["content-type"], "text/plain");
    assert_eq!(reqs[1].body, b"paid in full");
}

/// A body the document declares as `application/vnd.…+json` is JSON sent
/// under that media type, not as `application/json`.
#[tokio::test]
async fn a_vendor_json_body_is_sent_under_its_media_type() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/invoices/inv_1/reminders"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    client(&server)
        .post_invoice_reminder("inv_1", f::PostInvoiceReminderRequest::new("email"))
        .await
        .unwrap();
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 1);
    assert_eq!(
        reqs[0].headers["content-type"],
        "application/vnd.features.v1+json"
    );
    assert_eq!(reqs[0].body, br#"{"channel":"email"}"#);
}

/// A property or parameter named `default` gets a setter of that name; the
/// constructors still reach `Default::default` (DigitalOcean's `Vpc`).
#[test]
fn a_field_named_default_keeps_new_working() {
    let problem = f::Problem::new().default(true);
    assert_eq!(problem.default, Some(true));
    assert_eq!(
        serde_json::to_value(&problem).unwrap(),
        json!({"default": true})
    );
    let params = f::ListCustomersParams::new().default(false);
    assert_eq!(params.default, Some(false));
    assert_eq!(f::ListCustomersParams::new().default, None);
}

#[tokio::test]
async fn a_union_inside_all_of_sends_the_shared_and_the_variant_fields() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/transfers"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let transfer = f::Transfer::TransferAchTransfer(f::TransferAchTransfer::new(
        f::TransferTransferType::Ach,
        "12.50",
        "rel_1",
    ));
    client(&server)
        .create_transfer(
            f::CreateTransferParams::new().filter(vec![
                f::CreateTransferFilterItem::new()
                    .field("status")
                    .value("queued"),
                f::CreateTransferFilterItem::new()
                    .field("direction")
                    .value("in"),
            ]),
            transfer,
        )
        .await
        .unwrap();
    let req = only_request(&server).await;
    // Alpaca's transfer body: the shared fields (type, amount) and the
    // variant's (relationship) in one object; the variant's were dropped.
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&req.body).unwrap(),
        json!({"transfer_type": "ach", "amount": "12.50", "relationship_id": "rel_1"})
    );
    // A form-style list of objects: brackets, each item at its own index.
    assert_eq!(
        decoded_pairs(req.url.query().unwrap()),
        [
            ("filter[0][field]", "status"),
            ("filter[0][value]", "queued"),
            ("filter[1][field]", "direction"),
            ("filter[1][value]", "in"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()))
    );
}
