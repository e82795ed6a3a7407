//! Throughput of PAYONE's wire formats in the runtime: `Form::encode` of a
//! preauthorization-sized body with 20 line items, and
//! `KeyValues::parse_lines` of a 10-line `key=value` answer.
//!
//! `cargo bench -p paygen --bench form`

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use paygen::payone;
use paygen::runtime::__private::{Form, KeyValues};
use paygen::runtime::{KeyHash, SecretString};

/// The pairs `payone::Client::preauthorize` sends for a filled-in shopper
/// and 20 line items (the same pushes as the generated code).
fn preauthorization_form() -> Form {
    let mut f = Form::new();
    f.push("mid", "23456");
    f.push("aid", "12345");
    f.push("portalid", "2039743");
    f.push_secret(
        "key",
        &KeyHash::Md5.digest(&SecretString::from("portal key".to_string())),
    );
    f.push("api_version", "3.11");
    f.push("encoding", "UTF-8");
    f.push("mode", "test");
    f.push("request", "preauthorization");
    f.push("clearingtype", "fnc");
    f.push("reference", "Ref123456");
    f.push("amount", &46_800_i64);
    f.push("currency", "EUR");
    f.push("salutation", "Herr");
    f.push("firstname", "Testperson-de");
    f.push("lastname", "Müller-Lüdenscheidt");
    f.push("street", "Hellersbergstraße 14");
    f.push("zip", "41460");
    f.push("city", "Neuss");
    f.push("country", "DE");
    f.push("email", "test@payone.com");
    f.push("telephonenumber", "01512345678");
    f.push("birthday", "19600707");
    f.push("language", "de");
    f.push("gender", "m");
    f.push("ip", "203.0.113.10");
    f.push("shipping_firstname", "Testperson-de");
    f.push("shipping_lastname", "Müller-Lüdenscheidt");
    f.push("shipping_street", "Hellersbergstraße 14");
    f.push("shipping_zip", "41460");
    f.push("shipping_city", "Neuss");
    f.push("shipping_country", "DE");
    f.push("financingtype", "KIS");
    f.push(
        "successurl",
        "https://shop.example/payone/success?order=42&lang=de",
    );
    f.push(
        "errorurl",
        "https://shop.example/payone/error?order=42&lang=de",
    );
    f.push(
        "backurl",
        "https://shop.example/payone/back?order=42&lang=de",
    );
    f.push("workorderid", "WX1A8DZ26B1DDU4H");
    f.push(
        "add_paydata[authorization_token]",
        "a6a4bb8c-4bd4-4b3a-8c6f-0d8f4f3e2b1a",
    );
    for n in 1..=20 {
        f.push_indexed("it", n, "goods");
        f.push_indexed("id", n, &format!("sku-{n:04}"));
        f.push_indexed("pr", n, &2340_i64);
        f.push_indexed("no", n, &2_i64);
        f.push_indexed("de", n, &format!("Socken Größe {n} (2er-Pack)"));
        f.push_indexed("va", n, &1900_i64);
    }
    f.push("add_paydata[shopping_cart_type]", "PHYSICAL");
    f
}

/// A 10-line answer (`start_session`-like, with a long client token).
fn ten_line_answer() -> String {
    let token =
        "eyJhbGciOiJSUzI1NiJ9.".to_string() + &"ewogICJzZXNzaW9uX2lkIiA6ICI0N2EzNWIw".repeat(24);
    let badge = "https://x.klarnacdn.net/payment-method/assets/badges/generic/klarna.svg";
    format!(
        "status=APPROVED\n\
         txid=345678901\n\
         userid=123456789\n\
         workorderid=WX1A37YBGD9D11DK\n\
         add_paydata[client_token]={token}\n\
         add_paydata[session_id]=47a35b08-d5ee-71b5-95d1-eae751c5befb\n\
         add_paydata[payment_method_category_identifier]=pay_over_time\n\
         add_paydata[payment_method_category_name]=Slice it.\n\
         add_paydata[payment_method_category_asset_url_descriptive]={badge}\n\
         add_paydata[payment_method_category_asset_url_standard]={badge}\n"
    )
}

fn bench(c: &mut Criterion) {
    let form = preauthorization_form();
    let encoded = form.encode();
    assert_eq!(form.keys().filter(|k| k.starts_with("it[")).count(), 20);

    let mut g = c.benchmark_group("form_encode");
    g.throughput(Throughput::Bytes(encoded.len() as u64));
    g.bench_function("preauthorization_20_items/encode", |b| {
        b.iter(|| black_box(&form).encode())
    });
    g.bench_function("preauthorization_20_items/build+encode", |b| {
        b.iter(|| preauthorization_form().encode())
    });
    g.finish();

    let answer = ten_line_answer();
    assert_eq!(answer.lines().count(), 10);
    let kv = KeyValues::parse_lines(answer.as_bytes());
    let approved = payone::StartSessionApproved::from_kv(&kv).expect("answer decodes");
    assert_eq!(approved.workorderid.as_deref(), Some("WX1A37YBGD9D11DK"));

    let mut g = c.benchmark_group("kv_decode");
    g.throughput(Throughput::Bytes(answer.len() as u64));
    g.bench_function("10_lines/parse_lines", |b| {
        b.iter(|| KeyValues::parse_lines(black_box(answer.as_bytes())))
    });
    g.bench_function("10_lines/parse_lines+from_kv", |b| {
        b.iter(|| {
            let kv = KeyValues::parse_lines(black_box(answer.as_bytes()));
            payone::StartSessionApproved::from_kv(&kv).unwrap()
        })
    });
    g.finish();
}

criterion_group!(form, bench);
criterion_main!(form);
