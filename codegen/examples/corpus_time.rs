use std::time::Instant;
fn main() {
    let d = "/work/shared/openapi-corpus/adyen-CheckoutService-v71.openapi.json";
    let text = std::fs::read_to_string(d).unwrap();
    for _ in 0..3 {
        let t = Instant::now();
        let v: paygen_codegen::load::source::StrictValue = serde_json::from_str(&text).unwrap();
        let t1 = t.elapsed();
        let mut v = v.0;
        let mut diags = paygen_codegen::diag::Diagnostics::new("x");
        paygen_codegen::load::normalize::normalize(&mut v, &mut diags);
        let t2 = t.elapsed();
        let doc: openapiv3::OpenAPI = serde_path_to_error::deserialize(v).unwrap();
        let t3 = t.elapsed();
        let direct: openapiv3::OpenAPI = serde_json::from_str(&text).unwrap();
        let t4 = t.elapsed();
        std::hint::black_box(direct);
        let opts = paygen_codegen::load::ProviderOptions {
            module: "m".into(),
            source: "s".into(),
            ..Default::default()
        };
        let t4b = Instant::now();
        let mut api = paygen_codegen::load::openapi::load(&doc, &opts, &mut diags);
        paygen_codegen::shape::finish(&mut api);
        let t5 = t4b.elapsed();
        let tokens = paygen_codegen::emit::module_tokens(&api);
        let t6 = t4b.elapsed();
        let file: syn::File = syn::parse2(tokens).unwrap();
        let t7 = t4b.elapsed();
        let s = prettyplease::unparse(&file);
        let t8 = t4b.elapsed();
        std::hint::black_box(s);
        println!("value {:?} normalize {:?} deser {:?} | direct openapiv3 {:?} | model {:?} tokens {:?} syn {:?} pretty {:?}", t1, t2-t1, t3-t2, t4-t3, t5, t6-t5, t7-t6, t8-t7);
    }
}
