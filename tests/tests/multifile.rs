//! Documents split over several files (`tests/fixtures/multifile/`,
//! `tests/multifile/*/`): the generator reads the files they refer to, and
//! reports a problem in one of them at its own line and column.

use std::path::{Path, PathBuf};

use paygen_codegen::diag::Diagnostics;
use paygen_codegen::load::{load_openapi, load_openapi_at, ProviderOptions};

/// `multifile` is also a fixture provider, generated into
/// `tests/src/multifile.rs` and compiled; the others are not clients.
fn fixture(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    match name {
        "multifile" => dir.join("fixtures/multifile/openapi.yaml"),
        other => dir.join("multifile").join(other).join("openapi.yaml"),
    }
}

/// Loads the fixture's root document from its file, as the command-line
/// generator and `cargo xtask codegen` do: its diagnostics, one a line, and
/// the generated module when there was no error.
fn load(name: &str) -> (String, Option<String>) {
    let path = fixture(name);
    let text = std::fs::read_to_string(&path).expect("fixture");
    let shown = format!("{name}/openapi.yaml");
    let opts = ProviderOptions::new("pets", shown.as_str());
    let mut diags = Diagnostics::new(shown.as_str());
    let api = load_openapi_at(&path, &text, &opts, &mut diags);
    let out = diags.items.iter().map(|d| format!("{d}\n")).collect();
    let src = api.map(|api| paygen_codegen::emit::module_source(&api).expect("emits"));
    (out, src)
}

/// The text of the item starting with `head` in `src`, to its closing brace.
fn item<'s>(src: &'s str, head: &str) -> &'s str {
    let start = src
        .find(head)
        .unwrap_or_else(|| panic!("no `{head}` in:\n{src}"));
    &src[start..start + src[start..].find("\n}").expect("item end")]
}

#[test]
fn a_split_document_generates_as_if_it_were_one_file() {
    let (diags, src) = load("multifile");
    assert_eq!(diags, "", "a split document needs no warning");
    let src = src.expect("generates");

    // A component that is a whole file keeps the component's name, and
    // every other reference to that file (from other files, and from the
    // file itself) is that same type.
    let pet = item(&src, "pub struct Pet {");
    assert!(pet.contains("pub id: String,"), "{pet}");
    assert!(pet.contains("pub name: String,"), "{pet}");
    assert!(pet.contains("pub owner: Option<Owner>,"), "{pet}");
    assert!(pet.contains("pub tags: Option<Vec<Tag>>,"), "{pet}");
    assert!(pet.contains("pub parent: Option<Box<Pet>>,"), "{pet}");
    assert!(!src.contains("struct Pet2"), "one type per file:\n{src}");
    // A second component that is the same file names the same type.
    assert!(src.contains("pub type Animal = Pet;"), "{src}");

    // Schemas referred to only from other places become components named
    // after the file (`new-pet.yaml`) or after the fragment (`#/Tag`);
    // a fragment of another file resolves inside that file (`#/Color`).
    let new_pet = item(&src, "pub struct NewPet {");
    assert!(new_pet.contains("pub name: String,"), "{new_pet}");
    assert!(new_pet.contains("pub tag: Option<Tag>,"), "{new_pet}");
    let tag = item(&src, "pub struct Tag {");
    assert!(tag.contains("pub label: Option<String>,"), "{tag}");
    assert!(tag.contains("pub color: Option<Color>,"), "{tag}");
    assert!(src.contains("pub enum Color {"), "{src}");

    // Discriminator mapping values that name files are those files' types.
    let event = item(&src, "impl<'de> Deserialize<'de> for Event {");
    assert!(
        event.contains(r#""adopted" => rt::from_value(value).map(Self::Adopted),"#),
        "{event}"
    );
    assert!(
        event.contains(r#""came-back" => rt::from_value(value).map(Self::Returned),"#),
        "{event}"
    );
    assert!(
        item(&src, "pub struct Adopted {").contains("pub pet: Pet,"),
        "{src}"
    );

    // A reference from another file back into the root document.
    let problem = item(&src, "pub struct Problem {");
    assert!(problem.contains("pub pet: Option<Pet>,"), "{problem}");

    // A description kept in a Markdown file is the type's documentation.
    assert!(
        src.contains("/// The person who looks after the pet.\n")
            && src.contains("pub struct Owner {"),
        "{src}"
    );

    // Path items, parameters and responses from other files are the
    // operations' own.
    let list = item(&src, "pub fn list_pets(");
    assert!(list.contains("Vec<Pet>"), "{list}");
    assert!(src.contains("pub struct ListPetsParams {"), "{src}");
    assert!(
        item(&src, "pub struct ListPetsParams {").contains("pub limit: Option<i32>,"),
        "{src}"
    );
    let create = item(&src, "pub fn create_pet(");
    assert!(create.contains("body: NewPet"), "{create}");
    assert!(create.contains("Result<Pet, runtime::Error<"), "{create}");
    let get = item(&src, "pub fn get_pet(");
    assert!(get.contains("pet_id: &str"), "{get}");
    assert!(get.contains("Problem"), "{src}");
}

#[test]
fn problems_in_other_files_are_reported_where_they_are() {
    let (diags, src) = load("broken");
    assert!(src.is_none(), "a broken document generates nothing");
    insta::assert_snapshot!(diags);
}

#[test]
fn a_warning_in_another_file_names_that_file() {
    let (diags, src) = load("warns");
    assert_eq!(
        diags,
        "warning: warns/schemas/thing.yaml:6:5 at /properties/size/type: unknown type \
         `integre`; expected string, number, integer, boolean, array or object. The value is read \
         as untyped JSON (`serde_json::Value`)\n"
    );
    let src = src.expect("generates");
    assert!(
        item(&src, "pub struct Thing {").contains("pub size: Option<serde_json::Value>,"),
        "{src}"
    );
}

#[test]
fn without_its_file_a_split_document_is_refused_with_the_reason() {
    let path = fixture("multifile");
    let text = std::fs::read_to_string(path).expect("fixture");
    let opts = ProviderOptions::new("pets", "openapi.yaml");
    let mut diags = Diagnostics::new("openapi.yaml");
    assert!(load_openapi(&text, &opts, &mut diags).is_none());
    let pet = diags
        .items
        .iter()
        .find(|d| d.pointer.as_deref() == Some("/components/schemas/Pet/$ref"))
        .unwrap_or_else(|| panic!("{:?}", diags.items));
    assert!(
        pet.message
            .contains("other files are read only beside a document loaded from its file"),
        "{pet}"
    );
}

/// The split fixture is also generated into `tests/src/multifile.rs`: its
/// client sends what the files describe and decodes what they describe.
mod wire {
    use paygen::runtime::Error;
    use paygen_tests::multifile as m;
    use serde_json::json;
    use wiremock::matchers::{body_json, method, path, query_param};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    fn client(server: &MockServer) -> m::Client {
        m::Client::new(m::Config::new().base_url(server.uri())).expect("client")
    }

    #[tokio::test]
    async fn operations_from_other_files_send_and_decode_as_described() {
        let server = MockServer::start().await;
        let rex = json!({
            "id": "p1",
            "name": "Rex",
            "owner": {"name": "Ada"},
            "tags": [{"label": "good", "color": "green"}],
            "parent": {"id": "p0", "name": "Old Rex"}
        });
        Mock::given(method("GET"))
            .and(path("/pets"))
            .and(query_param("limit", "2"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([rex])))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/pets"))
            .and(body_json(json!({"name": "Rex", "tag": {"label": "good"}})))
            .respond_with(ResponseTemplate::new(201).set_body_json(&rex))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/pets/p%2F9"))
            .respond_with(ResponseTemplate::new(404).set_body_json(json!({"title": "no such pet"})))
            .expect(1)
            .mount(&server)
            .await;
        let c = client(&server);

        let mut params = m::ListPetsParams::new();
        params.limit = Some(2);
        let pets = c.list_pets(params).await.expect("listed");
        assert_eq!(pets.len(), 1);
        let pet = &pets[0];
        assert_eq!((pet.id.as_str(), pet.name.as_str()), ("p1", "Rex"));
        assert_eq!(
            pet.owner.as_ref().and_then(|o| o.name.as_deref()),
            Some("Ada")
        );
        let tags = pet.tags.as_deref().unwrap_or_default();
        assert_eq!(tags[0].color, Some(m::Color::Green));
        assert_eq!(
            pet.parent.as_ref().map(|p| p.name.as_str()),
            Some("Old Rex")
        );

        let created = c
            .create_pet(m::NewPet::new("Rex").tag(m::Tag::default().label("good")))
            .await
            .expect("created");
        assert_eq!(&created, pet);

        match c.get_pet("p/9").await {
            Err(Error::Api(e)) => {
                assert_eq!(e.status, 404);
                assert_eq!(e.body.map(|p| p.title), Some("no such pet".to_string()));
            }
            other => panic!("expected the documented error, got {other:?}"),
        }
    }
}
