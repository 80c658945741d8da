//! The `saliency` command line: outputs, files, and one-line errors for bad input.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn saliency(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_saliency"))
        .args(args)
        .env("SALIENCY_DATA", common::data_dir())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run saliency");
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("saliency-cli-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d.join(name)
}

/// A failing command prints exactly one line, naming what it must, and no panic trace.
fn assert_one_line_error(args: &[&str], must_contain: &[&str]) {
    let (ok, _, err) = saliency(args);
    assert!(!ok, "{args:?} succeeded");
    assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
    assert!(err.starts_with("error: ") && !err.contains("panicked"), "{err}");
    for m in must_contain {
        assert!(err.contains(m), "{args:?}: '{err}' lacks '{m}'");
    }
}

#[test]
fn bad_input_gives_one_line_errors_naming_the_file() {
    assert_one_line_error(
        &["eval", "--dataset", "mnist", "--data-dir", "/nonexistent/data"],
        &["/nonexistent/data", "does not exist"],
    );
    let truncated = tmp("truncated.safetensors");
    let bytes = std::fs::read("pretrained/mnist.safetensors").unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let t = truncated.to_str().unwrap();
    assert_one_line_error(&["eval", "--dataset", "mnist", "--weights", t], &[t, "not a readable safetensors"]);
    assert_one_line_error(
        &["eval", "--dataset", "cifar10", "--weights", "pretrained/mnist.safetensors"],
        &["mnist.safetensors", "for MNIST but CIFAR10"],
    );
    let not_png = tmp("notes.png");
    std::fs::write(&not_png, "hello").unwrap();
    let p = not_png.to_str().unwrap();
    assert_one_line_error(&["explain", "--dataset", "mnist", "--image", p], &[p, "PNG"]);
    let wrong = tmp("wrong.npy");
    write_npy(&wrong, &[0.5; 30 * 30], &[30, 30]);
    let w = wrong.to_str().unwrap();
    assert_one_line_error(&["explain", "--dataset", "mnist", "--input", w], &[w, "shape [30, 30]"]);
    assert_one_line_error(
        &["explain", "--dataset", "mnist", "--index", "0", "--method", "magic"],
        &["unknown method 'magic'"],
    );
    assert_one_line_error(&["explain", "--dataset", "mnist", "--index", "10000"], &["past the 10000 test images"]);
    // A wrong data file: CIFAR-10 batches where MNIST's files should be.
    let dir = tmp("wrongdata");
    std::fs::create_dir_all(dir.join("mnist")).unwrap();
    std::fs::write(dir.join("mnist/t10k-images-idx3-ubyte"), vec![7u8; 3073]).unwrap();
    std::fs::write(dir.join("mnist/t10k-labels-idx1-ubyte"), vec![7u8; 20]).unwrap();
    assert_one_line_error(
        &["eval", "--dataset", "mnist", "--data-dir", dir.to_str().unwrap()],
        &["t10k-images-idx3-ubyte", "magic"],
    );
}

fn write_npy(path: &Path, data: &[f32], shape: &[u64]) {
    use npyz::WriterBuilder;
    let mut w = npyz::WriteOptions::new()
        .default_dtype()
        .shape(shape)
        .writer(std::fs::File::create(path).unwrap())
        .begin_nd()
        .unwrap();
    w.extend(data.iter().copied()).unwrap();
    w.finish().unwrap();
}

fn read_npy(path: &Path) -> (Vec<u64>, Vec<f32>) {
    let bytes = std::fs::read(path).unwrap();
    let f = npyz::NpyFile::new(bytes.as_slice()).unwrap();
    (f.shape().to_vec(), f.into_vec().unwrap())
}

#[test]
fn explain_writes_raw_and_map_arrays_and_the_tutorial_figure() {
    let prefix = tmp("seven");
    let png = tmp("seven.png");
    let (ok, out, err) = saliency(&[
        "explain",
        "--dataset",
        "mnist",
        "--index",
        "0",
        "--method",
        "gradcam",
        "--npy-out",
        prefix.to_str().unwrap(),
        "--png",
        png.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let j: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(j["target"], 7);
    assert_eq!(j["label"], 7);
    assert_eq!(j["title"], "MNIST target = 7");
    assert_eq!(j["logits"].as_array().unwrap().len(), 10);
    let (shape, raw) = read_npy(&prefix.with_extension("raw.npy"));
    assert_eq!(shape, vec![28, 28, 1]);
    let (shape, map) = read_npy(&prefix.with_extension("map.npy"));
    assert_eq!(shape, vec![28, 28]);
    assert_eq!(map, saliency::postprocess::keras_vis_map(&raw, 1));
    assert!(std::fs::read(&png).unwrap().starts_with(b"\x89PNG"));

    // --input takes (H, W) float32 arrays; the same digit gives the same logits.
    let digit = tmp("digit.npy");
    write_npy(&digit, &common::test_set(saliency::DatasetKind::Mnist).image_f32(0), &[28, 28]);
    let (ok, out2, err) = saliency(&["explain", "--dataset", "mnist", "--input", digit.to_str().unwrap()]);
    assert!(ok, "{err}");
    let j2: serde_json::Value = serde_json::from_str(out2.trim()).unwrap();
    assert_eq!(j2["logits"], j["logits"]);
}

#[test]
fn eval_prints_one_json_line_and_export_round_trips() {
    let (ok, out, err) = saliency(&["eval", "--dataset", "mnist"]);
    assert!(ok, "{err}");
    let j: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(j["dataset"], "mnist");
    assert_eq!(j["n"], 10000);
    assert!(j["accuracy"].as_f64().unwrap() >= 0.9912);
    let exported = tmp("mnist-f32.safetensors");
    let (ok, _, err) = saliency(&["export", "--dataset", "mnist", "--out", exported.to_str().unwrap()]);
    assert!(ok, "{err}");
    let (ok, out2, _) = saliency(&["eval", "--dataset", "mnist", "--weights", exported.to_str().unwrap()]);
    assert!(ok);
    assert_eq!(out2, out, "exported f32 weights evaluate identically");
}

#[test]
fn quantize_reproduces_the_shipped_files_and_card() {
    // The shipped f16 weights already lie on the int8 grid: quantising them again writes the very
    // files in pretrained/, and the card records the full test set measured on them.
    let out = tmp("quantized");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::copy("pretrained/mnist.json", out.join("mnist.json")).unwrap();
    let (ok, stdout, err) = saliency(&["quantize", "--dataset", "mnist", "--out", out.to_str().unwrap()]);
    assert!(ok, "{err}");
    let j: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!((j["n"].as_u64(), j["accuracy"].as_f64()), (Some(10000), j["accuracy_before"].as_f64()));
    assert!(j["accuracy"].as_f64().unwrap() >= 0.9912, "{j}");
    for f in ["mnist.int8.safetensors", "mnist.safetensors", "mnist.json"] {
        assert!(
            std::fs::read(out.join(f)).unwrap() == std::fs::read(Path::new("pretrained").join(f)).unwrap(),
            "{f} differs"
        );
    }
    let card: serde_json::Value = serde_json::from_slice(&std::fs::read("pretrained/mnist.json").unwrap()).unwrap();
    assert_eq!(card["test"]["accuracy"], j["accuracy"]);
    let int8 = out.join("mnist.int8.safetensors");
    let (ok, eval, _) = saliency(&["eval", "--dataset", "mnist", "--weights", int8.to_str().unwrap()]);
    assert!(ok);
    let e: serde_json::Value = serde_json::from_str(eval.trim()).unwrap();
    assert_eq!(
        (e["accuracy"].clone(), e["loss"].clone()),
        (card["test"]["accuracy"].clone(), card["test"]["loss"].clone())
    );
}

#[test]
fn gallery_reproduces_the_shipped_test_images() {
    // The page's bundled images come from this command: the shipped files are its output, and the
    // first image the page shows before the gallery downloads is the gallery's first.
    let out = tmp("gallery");
    for d in ["mnist", "cifar10"] {
        let (ok, _, err) = saliency(&["gallery", "--dataset", d, "--out", out.to_str().unwrap()]);
        assert!(ok, "{err}");
        let shipped = Path::new("www/gallery");
        for f in [format!("{d}.bin"), format!("{d}.json")] {
            assert!(std::fs::read(out.join(&f)).unwrap() == std::fs::read(shipped.join(&f)).unwrap(), "{f} differs");
        }
        let meta: serde_json::Value =
            serde_json::from_slice(&std::fs::read(shipped.join(format!("{d}.json"))).unwrap()).unwrap();
        let first: Vec<u8> = serde_json::from_value(meta["firstImage"].clone()).unwrap();
        let per = meta["side"].as_u64().unwrap().pow(2) * meta["channels"].as_u64().unwrap();
        let bin = std::fs::read(shipped.join(format!("{d}.bin"))).unwrap();
        assert_eq!(first.len() as u64, per);
        assert_eq!(first[..], bin[..first.len()]);
        assert_eq!(bin.len() as u64, per * meta["count"].as_u64().unwrap());
    }
}

#[test]
fn evaluate_prints_a_json_line_per_image_and_method_then_a_summary() {
    let data = common::data_dir();
    let csv = tmp("eval.csv");
    let (ok, out, err) = saliency(&[
        "evaluate",
        "--dataset",
        "mnist",
        "--data-dir",
        data.to_str().unwrap(),
        "--indices",
        "0,1",
        "--methods",
        "gradxinput,occlusion",
        "--steps",
        "14",
        "--csv",
        csv.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let rows: Vec<serde_json::Value> =
        out.lines().filter(|l| l.starts_with('{')).map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rows.len(), 2 * 3, "two images x (two methods + the random order)");
    for r in &rows {
        for key in ["index", "method", "target", "deletion", "insertion", "lerf", "srg"] {
            assert!(!r[key].is_null(), "{key} missing in {r}");
        }
        for key in ["deletion_curve", "insertion_curve", "lerf_curve"] {
            assert_eq!(r[key].as_array().map(Vec::len), Some(15), "{key}");
        }
        let srg = r["lerf"].as_f64().unwrap() - r["deletion"].as_f64().unwrap();
        assert!((r["srg"].as_f64().unwrap() - srg).abs() < 1e-12);
    }
    assert!(out.contains("random") && out.contains(" ± "), "summary table missing:\n{out}");
    assert_eq!(std::fs::read_to_string(&csv).unwrap().lines().count(), 1 + 6);
    assert_one_line_error(
        &["evaluate", "--dataset", "mnist", "--data-dir", data.to_str().unwrap(), "--indices", "x..y"],
        &["--indices"],
    );
    assert_one_line_error(
        &[
            "evaluate",
            "--dataset",
            "mnist",
            "--data-dir",
            data.to_str().unwrap(),
            "--indices",
            "0",
            "--methods",
            "nope",
        ],
        &["unknown method 'nope'"],
    );
}

#[test]
fn randomisation_prints_the_curves_per_image_and_method_then_a_summary() {
    let data = common::data_dir();
    let args = ["randomisation", "--dataset", "mnist", "--data-dir", data.to_str().unwrap(), "--indices", "0..2"];
    let (ok, out, err) = saliency(&[&args[..], &["--methods", "vanilla,gradcam"]].concat());
    assert!(ok, "{err}");
    let rows: Vec<serde_json::Value> =
        out.lines().filter(|l| l.starts_with('{')).map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rows.len(), 2 * 2, "two images x two methods");
    for r in &rows {
        assert_eq!(r["layers"], serde_json::json!(["fc2", "fc1", "conv2", "conv1"]));
        for key in ["cascading", "independent"] {
            let points = r[key].as_array().expect(key);
            assert_eq!(points.len(), 4);
            assert!(points.iter().all(|p| p["spearman"].as_f64().is_some_and(|v| (-1.0..=1.0).contains(&v))));
        }
        assert_ne!(r["randomLogitClass"], r["target"]);
        assert_eq!(r["spearman_depth1"], r["cascading"][0]["spearman"]);
    }
    assert!(out.contains("ρ depth 4") && out.contains(" ± "), "summary table missing:\n{out}");
    assert_one_line_error(&[&args[..], &["--sign", "sideways"]].concat(), &["--sign 'sideways'"]);
}

/// An ONNX fixture's reference (tests/fixtures/onnx/<name>.json): input and vanilla gradient
/// turned H x W x C, logits, target.
fn onnx_reference(name: &str) -> (Vec<u64>, Vec<f32>, Vec<f32>, Vec<f64>, u64) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/onnx/{name}.json"));
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let s: Vec<u64> = v["shape"].as_array().unwrap().iter().map(|x| x.as_u64().unwrap()).collect();
    let (c, hw) = (s[0] as usize, (s[1] * s[2]) as usize);
    let hwc = |k: &str| -> Vec<f32> {
        let chw: Vec<f32> = v[k].as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect();
        (0..hw).flat_map(|p| (0..c).map(|ch| chw[ch * hw + p]).collect::<Vec<_>>()).collect()
    };
    let logits = v["logits"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect();
    (vec![s[1], s[2], s[0]], hwc("input_nchw"), hwc("vanilla_nchw"), logits, v["target"].as_u64().unwrap())
}

#[test]
fn explain_takes_an_onnx_model_and_writes_the_inputs_layout() {
    for name in ["residual", "small", "keras"] {
        let (shape, input, vanilla, logits, target) = onnx_reference(name);
        let npy = tmp(&format!("{name}-input.npy"));
        write_npy(&npy, &input, &shape);
        let prefix = tmp(&format!("{name}-out"));
        let model = format!("tests/fixtures/onnx/{name}.onnx");
        let t = target.to_string();
        let args = ["explain", "--model", &model, "--input", npy.to_str().unwrap(), "--target", &t];
        let (ok, out, err) = saliency(&[&args[..], &["--npy-out", prefix.to_str().unwrap()]].concat());
        assert!(ok, "{name}: {err}");
        let line: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
        let got: Vec<f64> = line["logits"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect();
        for (g, w) in got.iter().zip(&logits) {
            assert!((g - w).abs() < 1e-5, "{name} logits {got:?} vs PyTorch {logits:?}");
        }
        assert_eq!(line["target"], target);
        assert_eq!(line["dataset"], serde_json::Value::Null);
        let (raw_shape, raw) = read_npy(&prefix.with_extension("raw.npy"));
        assert_eq!(raw_shape, shape, "{name}: H x W x C, the input's layout");
        let scale = vanilla.iter().fold(0f32, |m, v| m.max(v.abs()));
        for (g, w) in raw.iter().zip(&vanilla) {
            assert!((g - w).abs() <= 1e-5 * scale, "{name}: raw {g} vs PyTorch's gradient {w}");
        }
        // A CAM at a named node, and the same with the model's default layer.
        let (ok, _, err) = saliency(&[&args[..], &["--method", "gradcam", "--layer", "/Relu_2"]].concat());
        assert!(ok || name != "residual", "{err}");
    }
    let model = "tests/fixtures/onnx/residual.onnx";
    assert_one_line_error(&["explain", "--model", model, "--index", "0"], &["--index", "--input or --image"]);
    assert_one_line_error(&["explain", "--model", model, "--input", "Cargo.toml"], &["Cargo.toml", ".npy"]);
    let npy = tmp("residual-input.npy");
    let input = npy.to_str().unwrap();
    assert_one_line_error(
        &["explain", "--model", model, "--input", input, "--target", "7"],
        &["target class 7", "0..4"],
    );
    assert_one_line_error(
        &["explain", "--model", model, "--input", input, "--method", "gradcam", "--layer", "/fc/Gemm"],
        &["“/fc/Gemm” outputs 5, not maps"],
    );
    // The randomisation re-draws the model's Conv and Gemm layers, top first.
    let (ok, out, err) = saliency(&["randomisation", "--model", model, "--input", input, "--methods", "vanilla,eg"]);
    assert!(ok, "{err}");
    let rows: Vec<serde_json::Value> =
        out.lines().filter(|l| l.starts_with('{')).map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rows.len(), 2, "{out}");
    assert_eq!(rows[0]["layers"][0], "/fc/Gemm");
    assert_eq!(rows[0]["cascading"].as_array().unwrap().len(), 6);
    let (ok, _, err) = saliency(&["explain", "--model", model, "--input", input, "--randomize", "6"]);
    assert!(ok, "{err}");
    assert_one_line_error(
        &["explain", "--model", model, "--input", input, "--randomize", "7"],
        &["0..6", "/fc/Gemm, /head/Conv"],
    );
    assert_one_line_error(&["explain", "--model", "Cargo.toml", "--input", input], &["Cargo.toml", "ONNX"]);
}

#[test]
fn inspect_lists_every_node_with_its_shape_parameters_and_flops() {
    let (ok, out, err) = saliency(&["inspect", "--model", "tests/fixtures/onnx/residual.onnx"]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["input"], serde_json::json!([16, 16, 3]));
    assert_eq!(v["classes"].as_array().unwrap().len(), 5);
    let nodes = v["nodes"].as_array().unwrap();
    let add = nodes.iter().find(|n| n["op"] == "Add").unwrap();
    assert_eq!(add["inputs"], serde_json::json!(["/bn2/BatchNormalization", "/Relu"]), "the residual branch");
    assert_eq!(add["shape"], serde_json::json!([8, 16, 16]));
    let stem = nodes.iter().find(|n| n["name"] == "/stem/Conv").unwrap();
    assert!(stem["parameters"].as_u64().unwrap() > 0 && stem["flops"].as_u64().unwrap() > 0);
    let total: u64 = nodes.iter().map(|n| n["flops"].as_u64().unwrap()).sum();
    assert_eq!(v["flops"].as_u64().unwrap(), total);
    assert_eq!(v["defaultLayer"], "/Relu_2");
    let (ok, out, _) = saliency(&["inspect", "--dataset", "mnist"]);
    assert!(ok);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["parameters"], 431_242, "the tutorial's MNIST network");
    assert_eq!(v["defaultLayer"], "conv2");
}

#[test]
fn layers_prints_every_nodes_output_and_gradient() {
    let (ok, out, err) = saliency(&["layers", "--dataset", "mnist", "--index", "0", "--method", "guided", "--json"]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v.as_object().unwrap().len(), 2, "target and nodes only");
    assert_eq!(v["target"], 7, "the first test digit, predicted");
    let nodes = v["nodes"].as_array().unwrap();
    let names: Vec<&str> = nodes.iter().map(|n| n["name"].as_str().unwrap()).collect();
    assert_eq!(names[..3], ["conv1", "relu1", "pool1"]);
    assert_eq!(*names.last().unwrap(), "fc2");
    for n in nodes {
        let len: u64 = n["shape"].as_array().unwrap().iter().map(|d| d.as_u64().unwrap()).product();
        assert_eq!(n["output"].as_array().unwrap().len() as u64, len, "{}", n["name"]);
        assert_eq!(n["gradient"].as_array().unwrap().len() as u64, len, "{}", n["name"]);
    }
    assert_eq!(nodes[0]["shape"], serde_json::json!([32, 26, 26]));
    assert_eq!(nodes[0]["op"], "Conv");
    // Guided: no negative gradient survives a ReLU's backward pass.
    let relu1 = nodes.iter().find(|n| n["name"] == "relu1").unwrap();
    let conv1 = &nodes[0]["gradient"];
    assert!(conv1.as_array().unwrap().iter().all(|g| g.as_f64().unwrap() >= 0.0), "guided gradient at conv1's output");
    assert!(relu1["output"].as_array().unwrap().iter().all(|a| a.as_f64().unwrap() >= 0.0));
    let model = "tests/fixtures/onnx/residual.onnx";
    let (shape, input, ..) = onnx_reference("residual");
    let npy = tmp("layers-residual.npy");
    write_npy(&npy, &input, &shape);
    let (ok, out, err) =
        saliency(&["layers", "--model", model, "--input", npy.to_str().unwrap(), "--target", "2", "--json"]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["target"], 2);
    assert_eq!(v["nodes"].as_array().unwrap().len(), 21);
    assert_one_line_error(
        &["layers", "--dataset", "mnist", "--index", "0", "--method", "lrp", "--json"],
        &["vanilla, guided or deconvnet"],
    );
    // The strip as a figure: one PNG, as wide as two panels, taller for more nodes.
    let png = tmp("layers-residual.png");
    let (ok, _, err) =
        saliency(&["layers", "--model", model, "--input", npy.to_str().unwrap(), "--png", png.to_str().unwrap()]);
    assert!(ok, "{err}");
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[1..4], b"PNG");
    let (w, h) =
        (u32::from_be_bytes(bytes[16..20].try_into().unwrap()), u32::from_be_bytes(bytes[20..24].try_into().unwrap()));
    assert_eq!(w, 3 * 16 + 2 * 560);
    assert!(h > 21 * 40, "{h} px for 21 nodes");
}

#[test]
fn export_onnx_writes_a_model_that_explains_as_the_built_in_one() {
    let out = tmp("mnist-export.onnx");
    let (ok, _, err) = saliency(&["export", "--dataset", "mnist", "--onnx", "--out", out.to_str().unwrap()]);
    assert!(ok, "{err}");
    let npy = tmp("export-input.npy");
    let input: Vec<f32> = (0..784).map(|i| ((i * 37) % 101) as f32 / 100.0).collect();
    write_npy(&npy, &input, &[28, 28, 1]);
    let run = |source: &[&str]| {
        let args = [source, &["--input", npy.to_str().unwrap(), "--method", "smoothgrad"]].concat();
        let (ok, out, err) = saliency(&[&["explain"][..], &args].concat());
        assert!(ok, "{err}");
        let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
        (v["logits"].clone(), v["target"].clone())
    };
    assert_eq!(run(&["--model", out.to_str().unwrap()]), run(&["--dataset", "mnist"]));
    // Scored on the test set through the graph engine: the built-in network's accuracy.
    let eval = |source: &[&str]| {
        let args = [&["eval", "--dataset", "mnist", "--limit", "300"][..], source].concat();
        let (ok, out, err) = saliency(&args);
        assert!(ok, "{err}");
        serde_json::from_str::<serde_json::Value>(out.trim()).unwrap()["accuracy"].as_f64().unwrap()
    };
    assert_eq!(eval(&["--model", out.to_str().unwrap()]), eval(&[]));
}

#[test]
fn train_with_the_direct_engine_writes_weights_that_eval_loads() {
    let dir = tmp("direct-train");
    let out = dir.to_str().unwrap();
    let args = ["train", "--dataset", "mnist", "--engine", "direct", "--epochs", "1", "--limit", "3000", "--seed", "3"];
    let (ok, line, err) = saliency(&[&args[..], &["--dtype", "f32", "--out", out]].concat());
    assert!(ok, "{err}");
    let j: serde_json::Value = serde_json::from_str(line.trim()).unwrap();
    let accuracy = j["accuracy"].as_f64().unwrap();
    assert!(accuracy > 0.7, "10 steps on 2,400 images: {accuracy}");
    let card: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("mnist.json")).unwrap()).unwrap();
    assert_eq!(card["engine"], "direct");
    assert_eq!(card["train_records"], 2400);
    assert_eq!(card["history"].as_array().map(Vec::len), Some(1), "{card}");
    let weights = dir.join("mnist.safetensors");
    let (ok, eval, err) = saliency(&["eval", "--dataset", "mnist", "--weights", weights.to_str().unwrap()]);
    assert!(ok, "{err}");
    let e: serde_json::Value = serde_json::from_str(eval.trim()).unwrap();
    assert_eq!(e["accuracy"], j["accuracy"], "the file evaluates as the run measured it");
    assert_one_line_error(&[&args[..], &["--cosine", "--out", out]].concat(), &["--engine direct", "--cosine"]);
}
