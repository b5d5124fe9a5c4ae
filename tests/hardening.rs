//! Hardening of the command line (issue 12): one regression test per item, named after it.

mod common;
use common::{bin, TempDir};

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("gigasite runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The shipped European instance (solves in well under a second).
fn europe() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/europe/scenario.toml")
}

/// A copy of the European instance in `dir`, to break or change.
fn europe_copy(dir: &Path) -> PathBuf {
    let src = europe();
    let src_dir = src.parent().unwrap();
    for e in std::fs::read_dir(src_dir).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dir.join(e.file_name())).unwrap();
    }
    dir.join("scenario.toml")
}

fn json(path: &Path) -> serde_json::Value {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap()
}

fn fnv1a64(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("fnv1a64:{h:016x}")
}

fn no_panic(out: &Output) {
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(out.status.code(), Some(101), "{stderr}");
}

#[test]
fn item_1_time_limit_inf_is_no_limit() {
    let t = TempDir::new("h1");
    for limit in ["inf", "Infinity", "1e30", "1e9"] {
        let dir = t.0.join(format!("solve-{limit}"));
        let out = run(bin()
            .arg("solve")
            .arg(europe())
            .arg("--out")
            .arg(&dir)
            .args(["-q", "--time-limit", limit]));
        no_panic(&out);
        assert_eq!(out.status.code(), Some(0), "{limit}: {}", text(&out.stderr));
        assert_eq!(json(&dir.join("summary.json"))["status"], "optimal");
    }
    for limit in ["inf", "1e30"] {
        let dir = t.0.join(format!("batch-{limit}"));
        let out = run(bin()
            .arg("batch")
            .arg(europe())
            .arg("--out")
            .arg(&dir)
            .args(["-q", "--time-limit", limit]));
        no_panic(&out);
        assert_eq!(out.status.code(), Some(0), "{limit}: {}", text(&out.stderr));
        let csv = std::fs::read_to_string(dir.join("summary.csv")).unwrap();
        assert!(csv.contains(",optimal,"), "{csv}");

        let dir = t.0.join(format!("sweep-{limit}"));
        let out = run(bin()
            .arg("sweep")
            .arg(europe())
            .args(["--set", "sites.count=3,4"])
            .arg("--out")
            .arg(&dir)
            .args(["-q", "--time-limit", limit]));
        no_panic(&out);
        assert_eq!(out.status.code(), Some(0), "{limit}: {}", text(&out.stderr));
        assert!(dir.join("pareto.csv").is_file());
        assert!(dir.join("summary.csv").is_file());
    }
}

/// Runs the command with its stdout a pipe whose reading end is closed at once, as
/// `gigasite … | true` does.
fn with_closed_stdout(cmd: &mut Command) -> Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("gigasite runs");
    drop(child.stdout.take());
    child.wait_with_output().unwrap()
}

#[test]
fn item_2_closed_stdout_ends_quietly() {
    let t = TempDir::new("h2");
    let out = with_closed_stdout(bin().arg("check").arg(europe()).arg("-q"));
    no_panic(&out);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));

    for extra in [&[][..], &["--json"][..]] {
        let dir = t.0.join(format!("out{}", extra.len()));
        let out = with_closed_stdout(
            bin()
                .arg("solve")
                .arg(europe())
                .arg("--out")
                .arg(&dir)
                .arg("-q")
                .args(extra),
        );
        no_panic(&out);
        // The exit code is the run's: the result is written whether or not the table
        // was read.
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
        assert_eq!(json(&dir.join("summary.json"))["status"], "optimal");
    }

    let dir = t.0.join("batch");
    let out = with_closed_stdout(bin().arg("batch").arg(europe()).arg("--out").arg(&dir));
    no_panic(&out);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(dir.join("summary.csv").is_file());
}

#[test]
fn item_3_time_limit_must_be_a_number_at_least_0() {
    let t = TempDir::new("h3");
    let dir = t.0.join("out");
    for value in ["nan", "NaN", "-1", "-0.5", "-inf", "abc", ""] {
        let commands: [Vec<&str>; 3] = [
            vec!["solve"],
            vec!["batch"],
            vec!["sweep", "--set", "sites.count=3,4"],
        ];
        for words in commands {
            for joined in [false, true] {
                let mut cmd = bin();
                cmd.arg(words[0]).arg(europe()).args(&words[1..]);
                cmd.arg("--out").arg(&dir);
                if joined {
                    cmd.arg(format!("--time-limit={value}"));
                } else {
                    cmd.args(["--time-limit", value]);
                }
                let out = run(&mut cmd);
                let stderr = text(&out.stderr);
                assert_eq!(out.status.code(), Some(1), "{words:?} {value:?}: {stderr}");
                assert!(stderr.contains("--time-limit"), "{stderr}");
                if !value.is_empty() {
                    assert!(stderr.contains("number of seconds >= 0"), "{stderr}");
                }
                assert!(!dir.exists(), "a usage error must do no work");
            }
        }
    }
    // 0 is a limit (which passes at once), not an error.
    let out = run(bin()
        .arg("solve")
        .arg(europe())
        .arg("--out")
        .arg(&dir)
        .args(["-q", "--time-limit", "0"]));
    assert!(
        matches!(out.status.code(), Some(0 | 3 | 4)),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn item_4_unusable_out_fails_before_any_work() {
    let t = TempDir::new("h4");
    // A broken layer: if the folder were checked after the work, the layer's error
    // would come first.
    let scenario = europe_copy(&t.0);
    std::fs::write(t.0.join("land.geojson"), "{ not json").unwrap();

    let file = t.0.join("a-file");
    std::fs::write(&file, "keep me").unwrap();
    for (out_arg, says) in [
        (file.clone(), "is a file, not a folder"),
        (file.join("sub"), "a-file is a file, not a folder"),
    ] {
        for cmd in ["solve", "batch"] {
            let out = run(bin().arg(cmd).arg(&scenario).arg("--out").arg(&out_arg));
            let stderr = text(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{stderr}");
            assert!(stderr.contains(says), "{cmd}: {stderr}");
            assert!(!stderr.contains("File exists"), "{stderr}");
            assert!(!stderr.contains("land.geojson"), "{cmd}: {stderr}");
        }
    }
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep me");

    // --map naming a folder is refused before the solve too.
    let out = run(bin()
        .arg("solve")
        .arg(&scenario)
        .arg("--out")
        .arg(t.0.join("o"))
        .arg("--map")
        .arg(&t.0));
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("is a folder, not a file"), "{stderr}");

    // A folder that cannot be written in (root writes anywhere: then this part
    // cannot be shown here and is skipped).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let ro = t.0.join("read-only");
        std::fs::create_dir(&ro).unwrap();
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
        if std::fs::write(ro.join("x"), "x").is_ok() {
            eprintln!("skipped the read-only folder case: running as root");
        } else {
            let out = run(bin().arg("solve").arg(&scenario).arg("--out").arg(&ro));
            let stderr = text(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{stderr}");
            assert!(stderr.contains("cannot write files"), "{stderr}");
            assert!(!stderr.contains("land.geojson"), "{stderr}");
        }
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

#[test]
fn item_5_failed_run_writes_an_error_summary() {
    let t = TempDir::new("h5");
    let scenario = europe_copy(&t.0);
    let dir = t.0.join("out");
    let out = run(bin()
        .arg("solve")
        .arg(&scenario)
        .arg("--out")
        .arg(&dir)
        .arg("-q"));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(json(&dir.join("summary.json"))["status"], "optimal");
    assert!(dir.join("sites.geojson").is_file());

    std::fs::write(t.0.join("land.geojson"), "{ not json").unwrap();
    let out = run(bin()
        .arg("solve")
        .arg(&scenario)
        .arg("--out")
        .arg(&dir)
        .arg("-q"));
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let s = json(&dir.join("summary.json"));
    assert_eq!(s["status"], "error");
    assert_eq!(s["exit_code"], 1);
    let message = s["error"].as_str().unwrap();
    assert!(message.contains("land.geojson"), "{message}");
    assert!(stderr.contains(message), "{stderr} / {message}");
    assert!(
        !dir.join("sites.geojson").exists(),
        "stale sites.geojson kept"
    );

    // A scenario that cannot even be read is recorded the same way.
    let out = run(bin()
        .arg("solve")
        .arg(t.0.join("missing.toml"))
        .arg("--out")
        .arg(&dir));
    assert_eq!(out.status.code(), Some(1));
    let s = json(&dir.join("summary.json"));
    assert_eq!(s["status"], "error");
    assert!(s["error"].as_str().unwrap().contains("missing.toml"));

    // `map` refuses a folder recording a failure, saying so.
    let out = run(bin().arg("map").arg(&dir));
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("records a run without a result (status error)"),
        "{stderr}"
    );
}

#[test]
fn item_6_folder_is_consistent_and_stale_temporaries_go() {
    let t = TempDir::new("h6");
    let dir = t.0.join("out");
    std::fs::create_dir_all(&dir).unwrap();
    // Temporary files of runs that were killed (no such process), and one of a live
    // process (this test), which must stay.
    let dead = [
        ".summary.json.tmp-2000000000",
        ".sites.geojson.tmp-2000000001-3",
    ];
    for name in dead {
        std::fs::write(dir.join(name), "half").unwrap();
    }
    let live = format!(".summary.json.tmp-{}-0", std::process::id());
    std::fs::write(dir.join(&live), "in progress").unwrap();

    let out = run(bin()
        .arg("solve")
        .arg(europe())
        .arg("--out")
        .arg(&dir)
        .arg("-q"));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    for name in dead {
        assert!(!dir.join(name).exists(), "{name} was not removed");
    }
    assert!(
        dir.join(&live).exists(),
        "a live run's temporary file was removed"
    );
    std::fs::remove_file(dir.join(&live)).unwrap();

    // The summary names the sites file by hash; the sites file carries the run's
    // inputs fingerprint.
    let s = json(&dir.join("summary.json"));
    let sites = std::fs::read(dir.join("sites.geojson")).unwrap();
    assert_eq!(s["sites_geojson"]["file"], "sites.geojson");
    assert_eq!(s["sites_geojson"]["hash"], fnv1a64(&sites));
    let layer: serde_json::Value = serde_json::from_slice(&sites).unwrap();
    assert_eq!(layer["inputs_fingerprint"], s["inputs_fingerprint"]);

    // Pieces of two runs in one folder are refused by `map`.
    let other = t.0.join("other");
    let three = TempDir::new("item6-three");
    let scenario = europe_copy(&three.0);
    let edited = std::fs::read_to_string(&scenario)
        .unwrap()
        .replace("count = 4", "count = 3");
    std::fs::write(&scenario, edited).unwrap();
    let out = run(bin()
        .arg("solve")
        .arg(&scenario)
        .arg("--out")
        .arg(&other)
        .args(["-q"]));
    assert!(
        matches!(out.status.code(), Some(0)),
        "{}",
        text(&out.stderr)
    );
    let other_sites = std::fs::read(other.join("sites.geojson")).unwrap();
    if other_sites != sites {
        std::fs::write(dir.join("sites.geojson"), &other_sites).unwrap();
        let out = run(bin()
            .arg("map")
            .arg(&dir)
            .arg("--out")
            .arg(t.0.join("m.svg")));
        assert_eq!(out.status.code(), Some(1));
        assert!(
            text(&out.stderr).contains("does not belong to the run"),
            "{}",
            text(&out.stderr)
        );
    }

    // Killed at any point, the folder holds a whole result or none: whenever
    // summary.json exists, sites.geojson is the file it records.
    let killed = t.0.join("killed");
    let mut pairs_seen = 0;
    for i in 0..24u64 {
        let mut child = bin()
            .arg("solve")
            .arg(europe())
            .arg("--out")
            .arg(&killed)
            .arg("-q")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(i * 4));
        let _ = child.kill();
        let _ = child.wait();
        let summary_path = killed.join("summary.json");
        if !summary_path.exists() {
            continue;
        }
        let s = json(&summary_path);
        let sites = std::fs::read(killed.join("sites.geojson")).ok();
        match s["sites_geojson"]["hash"].as_str() {
            Some(h) => {
                assert_eq!(
                    Some(h.to_string()),
                    sites.as_deref().map(fnv1a64),
                    "kill {i}"
                );
                pairs_seen += 1;
            }
            None => assert!(
                sites.is_none(),
                "kill {i}: sites without a summary naming them"
            ),
        }
    }
    eprintln!("{pairs_seen} of 24 killed runs had finished their summary");
}

#[test]
fn item_11_os_error_text_is_not_doubled() {
    // The library's I/O error says what the OS said once, and does not repeat it as
    // its source (anyhow's `{:#}` prints the whole chain).
    let e = gigasite::Error::Io {
        path: PathBuf::from("x.geojson"),
        error: std::io::Error::from_raw_os_error(13),
    };
    let chain = format!("{:#}", anyhow::Error::new(e));
    assert_eq!(chain.matches("os error 13").count(), 1, "{chain}");

    // The same through the command line, for the importers' I/O error.
    let t = TempDir::new("h11");
    let out = run(bin()
        .args(["import", "points"])
        .arg(t.0.join("nothere.csv"))
        .args(["--lon", "x", "--lat", "y", "--out"])
        .arg(t.0.join("p.geojson")));
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.matches("os error 2").count(), 1, "{stderr}");
}

#[test]
fn item_11_points_read_count_includes_skipped_rows() {
    let t = TempDir::new("h11-points");
    let csv = t.0.join("p.csv");
    // Three rows: one good, two with the wrong number of fields.
    std::fs::write(&csv, "lon,lat\n10,50\n11,51,extra\n12\n").unwrap();
    let out = run(bin()
        .args(["import", "points"])
        .arg(&csv)
        .args(["--lon", "lon", "--lat", "lat", "--skip-malformed", "--out"])
        .arg(t.0.join("land.geojson")));
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("read:    3 rows"), "{stderr}");
    assert!(stderr.contains("written: 1 parcels"), "{stderr}");
    assert!(stderr.contains("skipped 2 malformed records"), "{stderr}");
}

#[test]
fn item_11_geonames_zip_says_unzip_it() {
    let t = TempDir::new("h11-zip");
    let zip = t.0.join("cities15000.zip");
    // A zip archive's local file header, then bytes that are not UTF-8.
    let mut bytes = b"PK\x03\x04\x14\x00\x00\x00\x08\x00".to_vec();
    bytes.extend([0xff, 0xfe, 0x80, 0x00, 0x9c, b'\t', b'\n']);
    std::fs::write(&zip, &bytes).unwrap();
    let out = run(bin()
        .args(["import", "geonames"])
        .arg(&zip)
        .arg("--out")
        .arg(t.0.join("demand.geojson")));
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cities15000.zip"), "{stderr}");
    assert!(stderr.contains("zip archive"), "{stderr}");
    assert!(stderr.contains("unzip"), "{stderr}");
    assert!(!stderr.contains("iconv"), "{stderr}");
    assert!(!t.0.join("demand.geojson").exists());
}

#[test]
fn item_12_every_generate_option_has_help() {
    let out = run(bin().args(["generate", "--help"]));
    assert_eq!(out.status.code(), Some(0));
    let help = text(&out.stdout);
    let lines: Vec<&str> = help.lines().map(str::trim_start).collect();
    let mut options = 0;
    for (i, line) in lines.iter().enumerate() {
        if !line.starts_with("--") || line.starts_with("--help") || line.starts_with("--version") {
            continue;
        }
        options += 1;
        // `--flag <VALUE>  Description [default: …]`, or the description on the next
        // line when clap uses its long layout.
        let same_line = line.split_once("  ").map(|(_, d)| d.trim()).unwrap_or("");
        let described = if same_line.is_empty() {
            lines.get(i + 1).copied().unwrap_or("")
        } else {
            same_line
        };
        assert!(
            !described.is_empty()
                && !described.starts_with('-')
                && !described.starts_with("[default"),
            "no help for {line:?}:\n{help}"
        );
    }
    assert_eq!(options, 13, "{help}");
    assert!(help.contains("<OUTDIR>  The folder"), "{help}");
}

#[test]
fn item_12_readme_links_stay_in_the_repository_and_name_real_columns() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    // Every relative link resolves inside the repository.
    for (i, _) in readme.match_indices("](") {
        let target = &readme[i + 2..];
        let target = &target[..target.find(')').unwrap()];
        if target.starts_with("http") || target.starts_with('#') {
            continue;
        }
        assert!(
            !target.starts_with(".."),
            "link outside the repository: {target}"
        );
        assert!(root.join(target).exists(), "broken link: {target}");
    }
    assert!(readme.contains("](docs/model.md)"));
    assert!(readme.contains("cargo install --path ."));
    assert!(readme.contains("target/release/gigasite"));
    // summary.csv's columns, as the code writes them, are the ones the README names.
    let csv = gigasite::batch::summary_csv(&[], std::iter::empty());
    let header = text(&csv);
    for column in header.trim().split(',') {
        assert!(
            readme.contains(&format!("`{column}`")),
            "README lacks summary.csv column `{column}`"
        );
    }
    // The model description exists and covers what it must.
    let model = std::fs::read_to_string(root.join("docs/model.md")).unwrap();
    for part in [
        "## Derived attributes",
        "## Eligibility",
        "## The program",
        "## Statuses",
    ] {
        assert!(model.contains(part), "docs/model.md lacks {part}");
    }
}

/// Solves a copy of datasets/europe with `edit` applied to its scenario text.
fn europe_edited(t: &TempDir, edit: impl Fn(&str) -> String) -> (Output, serde_json::Value) {
    let scenario = europe_copy(&t.0);
    let text = std::fs::read_to_string(&scenario).unwrap();
    std::fs::write(&scenario, edit(&text)).unwrap();
    let out_dir = t.0.join("out");
    let out = run(bin()
        .args(["solve"])
        .arg(&scenario)
        .arg("--out")
        .arg(&out_dir)
        .arg("--quiet"));
    let summary = json(&out_dir.join("summary.json"));
    (out, summary)
}

#[test]
fn item_9_infeasibility_names_the_demand_limit_not_only_separation() {
    let t = TempDir::new("item9-demand");
    let (out, summary) = europe_edited(&t, |s| {
        s.replace("max_rtt_ms_to_demand = 20.0", "max_rtt_ms_to_demand = 10.0")
    });
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let reasons: Vec<String> = summary["infeasibility"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().to_string())
        .collect();
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("latency.max_rtt_ms_to_demand = 10")),
        "{reasons:?}"
    );
    // Every rule named is one whose removal gives a plan: check one of them.
    let (out, summary) = europe_edited(&TempDir::new("item9-check"), |s| {
        s.replace("max_rtt_ms_to_demand = 20.0", "")
    });
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(summary["status"], "optimal");
}

#[test]
fn item_9_separation_0_is_never_blamed() {
    let t = TempDir::new("item9-sep0");
    let (out, summary) = europe_edited(&t, |s| {
        s.replace("min_separation_km = 500", "min_separation_km = 0")
            .replace("max_rtt_ms_to_demand = 20.0", "max_rtt_ms_to_demand = 10.0")
    });
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let all = summary["infeasibility"].to_string();
    assert!(
        !all.contains("0 km apart") && !all.contains("min_separation_km"),
        "{all}"
    );
    assert!(all.contains("max_rtt_ms_to_demand"), "{all}");
}
