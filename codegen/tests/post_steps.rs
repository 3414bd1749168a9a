//! Golden tests of the post-steps (`qlik_codegen::post::POST_STEPS`): for each step, the change
//! it makes to the fixture spec's generated code (`fixtures/tenant.json`, with a names lock that
//! renames one method) is compared with `golden/steps/<step>.diff`. A failure prints how the
//! step's change differs from the golden one. Run with `UPDATE_GOLDEN=1` to accept a change
//! after reviewing it. The complete output (`golden/tenant.rs`) is compiled with the SDK by the
//! root crate's tests (`src/apis.rs`, module `golden_tenant`).

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::unified_diff;
use qlik_codegen::names_lock::{LockEntry, NamesLock};
use qlik_codegen::post::POST_STEPS;

fn tests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests")
}

/// The code after progenitor and after each step, generated once for all tests.
fn stages() -> &'static [(&'static str, String)] {
    static STAGES: OnceLock<Vec<(&'static str, String)>> = OnceLock::new();
    STAGES.get_or_init(|| {
        let bytes = std::fs::read(tests_dir().join("fixtures/tenant.json")).unwrap();
        // One published name that the fixture no longer gives: the aliases step has work to do.
        let lock = NamesLock {
            comment: String::new(),
            operations: vec![LockEntry {
                api: "tenant".into(),
                path: "/api/v1/widgets/me".into(),
                method: "GET".into(),
                name: "fetch_my_widget".into(),
                aliases: vec![],
            }],
        };
        qlik_codegen::generate::generate_stages("tenant", "tenant.json", &bytes, Some(&lock))
            .expect("fixture generates")
    })
}

/// The step's change (a diff of the code before and after it) against its golden file.
fn check(step: &str) {
    let stages = stages();
    let at = stages
        .iter()
        .position(|(name, _)| *name == step)
        .unwrap_or_else(|| panic!("no post-step named {step}"));
    let change = unified_diff(&stages[at - 1].1, &stages[at].1, 2);
    assert!(
        !change.is_empty(),
        "step {step} changed nothing in the fixture's code: extend the fixture"
    );
    let golden = tests_dir().join(format!("golden/steps/{step}.diff"));
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden, &change).unwrap();
    }
    let expected = std::fs::read_to_string(&golden)
        .unwrap_or_else(|_| panic!("{} missing: run with UPDATE_GOLDEN=1", golden.display()));
    if change != expected {
        panic!(
            "post-step `{step}` now changes the fixture's code differently from {}.\n\
             How its change differs from the golden one (- golden, + now):\n{}\n\
             Review, then rerun with UPDATE_GOLDEN=1.",
            golden.display(),
            unified_diff(&expected, &change, 3)
        );
    }
}

macro_rules! step_goldens {
    ($($test:ident => $step:literal),* $(,)?) => {
        $(
            #[test]
            fn $test() {
                check($step);
            }
        )*

        /// Every registered step has a golden test above, and nothing else does.
        #[test]
        fn every_post_step_has_a_golden_test() {
            let tested = [$($step),*];
            let registered: Vec<&str> = POST_STEPS.iter().map(|s| s.name).collect();
            assert_eq!(registered, tested);
            let after: Vec<&str> = stages().iter().skip(1).map(|(n, _)| *n).collect();
            assert_eq!(after, tested, "generate_stages reports every step in order");
        }
    };
}

step_goldens!(
    extras => "extras",
    owned_client => "owned-client",
    tolerant => "tolerant",
    lossless => "lossless",
    paging => "paging",
    send => "send",
    fit => "fit",
    setter_docs => "setter-docs",
    optional_bodies => "optional-bodies",
    upload_bodies => "upload-bodies",
    response_headers => "response-headers",
    docs => "docs",
    qlik_extensions => "qlik-extensions",
    names_lock_aliases => "names-lock-aliases",
);

/// The last stage is what `generate_with_lock` returns.
#[test]
fn stages_end_with_the_generated_code() {
    let bytes = std::fs::read(tests_dir().join("fixtures/tenant.json")).unwrap();
    let plain = qlik_codegen::generate("tenant", "tenant.json", &bytes).unwrap();
    let last = &stages().last().unwrap().1;
    // Only the alias differs (the lock of these tests renames one method).
    let d = unified_diff(&plain.code, last, 0);
    assert!(d.contains("+    pub fn fetch_my_widget(&self)"), "{d}");
    assert!(d.lines().filter(|l| l.starts_with('-')).count() == 0, "{d}");
}

#[test]
fn diff_shows_changes_with_context_and_line_numbers() {
    let a = "a\nb\nc\nd\ne\nf\ng\nh\n";
    let b = "a\nb\nC\nd\ne\nf\ng\nh\ni\n";
    assert_eq!(
        unified_diff(a, b, 1),
        "@@ -2 +2 @@\n b\n-c\n+C\n d\n@@ -8 +8 @@\n h\n+i\n"
    );
    assert_eq!(unified_diff(a, a, 3), "");
}
