//! The host crate's wiring of generated modules: the `pub mod` lines (and
//! the module table of the crate docs) in `lib.rs`, and one cargo feature
//! per module in `Cargo.toml`, each enabling the runtime features the
//! module needs. Both are written between markers, so the rest of each
//! file stays hand-written; adding a provider is adding its folder.

use crate::ModuleInfo;

const MODS_BEGIN: &str = "// @generated modules (cargo xtask codegen): begin\n";
const MODS_END: &str = "// @generated modules: end\n";
const TABLE_BEGIN: &str = "//! <!-- @generated module table (cargo xtask codegen): begin -->\n";
const TABLE_END: &str = "//! <!-- @generated module table: end -->\n";
const FEATURES_BEGIN: &str = "# @generated features (cargo xtask codegen): begin\n";
const FEATURES_END: &str = "# @generated features: end\n";

/// `lib` with its generated sections rewritten for `modules`; `features`:
/// whether each module sits behind a cargo feature of its name.
pub fn lib_rs(lib: &str, modules: &[ModuleInfo], features: bool) -> Result<String, String> {
    let mut mods = String::new();
    for m in modules {
        if features {
            mods.push_str(&format!("#[cfg(feature = \"{}\")]\n", m.module));
        }
        mods.push_str(&format!(
            "#[rustfmt::skip] // formatted by prettyplease when generated\npub mod {};\n",
            m.module
        ));
    }
    let lib = replace_between(lib, MODS_BEGIN, MODS_END, &mods)?;
    if !lib.contains(TABLE_BEGIN) {
        return Ok(lib);
    }
    let mut table = String::from("//! | module | feature | spec |\n//! |---|---|---|\n");
    for m in modules {
        let kind = if m.source.ends_with("spec.yaml") {
            " (hand-written)"
        } else {
            ""
        };
        table.push_str(&format!(
            "//! | [`{0}`] | `{0}` | `{1}`{kind} |\n",
            m.module, m.source
        ));
    }
    replace_between(&lib, TABLE_BEGIN, TABLE_END, &table)
}

/// `manifest` with one feature per module (all on by default), each turning
/// on the runtime features the module needs.
pub fn cargo_toml(manifest: &str, modules: &[ModuleInfo]) -> Result<String, String> {
    let quoted = |items: &mut dyn Iterator<Item = String>| {
        items
            .map(|s| format!("\"{s}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut section = format!(
        "default = [{}]\n",
        quoted(&mut modules.iter().map(|m| m.module.clone()))
    );
    for m in modules {
        section.push_str(&format!(
            "{} = [{}]\n",
            m.module,
            quoted(
                &mut m
                    .runtime_features
                    .iter()
                    .map(|f| format!("paygen-runtime/{f}"))
            )
        ));
    }
    replace_between(manifest, FEATURES_BEGIN, FEATURES_END, &section)
}

fn replace_between(text: &str, begin: &str, end: &str, with: &str) -> Result<String, String> {
    let start = text
        .find(begin)
        .ok_or_else(|| format!("the marker line `{}` is missing", begin.trim_end()))?
        + begin.len();
    let stop = text[start..]
        .find(end)
        .ok_or_else(|| format!("the marker line `{}` is missing", end.trim_end()))?
        + start;
    Ok(format!("{}{with}{}", &text[..start], &text[stop..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn modules() -> Vec<ModuleInfo> {
        vec![
            ModuleInfo {
                module: "klix".into(),
                source: "specs/klix/openapi.yaml".into(),
                runtime_features: vec!["rsa"],
            },
            ModuleInfo {
                module: "payone".into(),
                source: "specs/payone/spec.yaml".into(),
                runtime_features: vec!["form"],
            },
        ]
    }

    #[test]
    fn modules_are_declared_between_the_markers() {
        let lib = format!(
            "//! Docs.\n{TABLE_BEGIN}old\n{TABLE_END}\npub mod runtime;\n\n{MODS_BEGIN}pub mod gone;\n{MODS_END}"
        );
        let out = lib_rs(&lib, &modules(), true).unwrap();
        assert_eq!(
            out,
            format!(
                "//! Docs.\n{TABLE_BEGIN}//! | module | feature | spec |\n//! |---|---|---|\n\
                 //! | [`klix`] | `klix` | `specs/klix/openapi.yaml` |\n\
                 //! | [`payone`] | `payone` | `specs/payone/spec.yaml` (hand-written) |\n\
                 {TABLE_END}\npub mod runtime;\n\n{MODS_BEGIN}\
                 #[cfg(feature = \"klix\")]\n#[rustfmt::skip] // formatted by prettyplease when generated\npub mod klix;\n\
                 #[cfg(feature = \"payone\")]\n#[rustfmt::skip] // formatted by prettyplease when generated\npub mod payone;\n\
                 {MODS_END}"
            )
        );
    }

    #[test]
    fn each_module_is_a_feature_with_its_runtime_capabilities() {
        let manifest = format!("[features]\n{FEATURES_BEGIN}{FEATURES_END}\n[dependencies]\n");
        assert_eq!(
            cargo_toml(&manifest, &modules()).unwrap(),
            format!(
                "[features]\n{FEATURES_BEGIN}default = [\"klix\", \"payone\"]\n\
                 klix = [\"paygen-runtime/rsa\"]\npayone = [\"paygen-runtime/form\"]\n\
                 {FEATURES_END}\n[dependencies]\n"
            )
        );
        assert!(cargo_toml("[features]\n", &modules())
            .unwrap_err()
            .contains("marker"));
    }
}
