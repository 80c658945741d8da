//! MNIST (IDX, gzip or raw) and CIFAR-10 (binary version) readers. Images are kept as u8 in
//! H x W x C order; every header, size and label is validated and errors name the file.

#[cfg(feature = "cli")]
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::model::{DatasetKind, NUM_CLASSES};
use crate::{Error, Result};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Split {
    Train,
    Test,
}

/// Images (u8, N x H x W x C) and their labels.
#[derive(Clone, Debug)]
pub struct Dataset {
    pub kind: DatasetKind,
    pub images: Vec<u8>,
    pub labels: Vec<u8>,
}

impl Dataset {
    pub fn len(&self) -> usize {
        self.labels.len()
    }
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }
    pub fn image(&self, i: usize) -> &[u8] {
        let per = self.kind.input_len();
        &self.images[i * per..(i + 1) * per]
    }
    /// Pixels/255 of image i, H x W x C.
    pub fn image_f32(&self, i: usize) -> Vec<f32> {
        self.image(i).iter().map(|&p| p as f32 / 255.0).collect()
    }
    /// Keeps the given records, in that order.
    pub fn subset(&self, idx: &[usize]) -> Dataset {
        let mut images = Vec::with_capacity(idx.len() * self.kind.input_len());
        for &i in idx {
            images.extend_from_slice(self.image(i));
        }
        Dataset { kind: self.kind, images, labels: idx.iter().map(|&i| self.labels[i]).collect() }
    }
}

/// Where the data lives: `--data-dir`, else `$SALIENCY_DATA`.
pub fn resolve_dir(arg: Option<&Path>) -> Result<PathBuf> {
    match arg {
        Some(p) => Ok(p.to_path_buf()),
        None => std::env::var_os("SALIENCY_DATA")
            .map(PathBuf::from)
            .ok_or_else(|| Error::Data("no data directory: pass --data-dir DIR or set SALIENCY_DATA".into())),
    }
}

/// The official files of a split (MNIST's also found gzipped, as `<name>.gz`), in reading order.
pub fn file_names(kind: DatasetKind, split: Split) -> Vec<String> {
    match (kind, split) {
        (DatasetKind::Mnist, Split::Train) => vec!["train-images-idx3-ubyte".into(), "train-labels-idx1-ubyte".into()],
        (DatasetKind::Mnist, Split::Test) => vec!["t10k-images-idx3-ubyte".into(), "t10k-labels-idx1-ubyte".into()],
        (DatasetKind::Cifar10, Split::Train) => (1..=5).map(|i| format!("data_batch_{i}.bin")).collect(),
        (DatasetKind::Cifar10, Split::Test) => vec!["test_batch.bin".into()],
    }
}

/// The files of a split, looked up in `dir/mnist` or `dir/cifar-10-batches-bin`, or in `dir` itself.
pub fn files(kind: DatasetKind, dir: &Path, split: Split) -> Result<Vec<PathBuf>> {
    if !dir.is_dir() {
        return Err(Error::file(dir, "data directory does not exist"));
    }
    let sub = dir.join(match kind {
        DatasetKind::Mnist => "mnist",
        DatasetKind::Cifar10 => "cifar-10-batches-bin",
    });
    let base = if sub.is_dir() { sub } else { dir.to_path_buf() };
    file_names(kind, split)
        .iter()
        .map(|n| {
            let gz = base.join(format!("{n}.gz"));
            let raw = base.join(n);
            if kind == DatasetKind::Mnist && gz.is_file() {
                Ok(gz)
            } else if raw.is_file() {
                Ok(raw)
            } else {
                Err(Error::file(&raw, "missing (run scripts/fetch-data.sh, or point --data-dir at the data)"))
            }
        })
        .collect()
}

#[cfg(feature = "cli")]
pub fn load(kind: DatasetKind, dir: &Path, split: Split) -> Result<Dataset> {
    let files = files(kind, dir, split)?;
    let read: Vec<(&Path, Vec<u8>)> =
        files.iter().map(|f| Ok((f.as_path(), read_maybe_gz(f)?))).collect::<Result<_>>()?;
    assemble(kind, &read)
}

/// A split from its files' (un-gzipped) bytes, in `file_names` order: MNIST's images then labels,
/// or CIFAR-10 batches one after the other.
fn assemble(kind: DatasetKind, files: &[(&Path, Vec<u8>)]) -> Result<Dataset> {
    match (kind, files) {
        (DatasetKind::Mnist, [(ip, ib), (lp, lb)]) => {
            let images = parse_idx_images(ib, ip)?;
            let labels = parse_idx_labels(lb, lp)?;
            if images.1 != labels.len() {
                return Err(Error::file(
                    lp,
                    format!("{} labels for {} images in {}", labels.len(), images.1, ip.display()),
                ));
            }
            Ok(Dataset { kind, images: images.0, labels })
        }
        (DatasetKind::Mnist, _) => Err(Error::Data("MNIST needs an images file and its labels file".into())),
        (DatasetKind::Cifar10, _) => {
            let mut all = Dataset { kind, images: Vec::new(), labels: Vec::new() };
            for (p, b) in files {
                let d = parse_cifar(b, p)?;
                all.images.extend(d.images);
                all.labels.extend(d.labels);
            }
            Ok(all)
        }
    }
}

/// The training and test sets found among files a visitor picked (or the page fetched): the
/// official names, MNIST's with or without `.gz` (the bytes arrive un-gzipped), CIFAR-10's
/// batches loose or inside the official `.tar`. Any subset of the five CIFAR-10 training batches
/// trains; MNIST needs each images file with its labels.
pub struct Picked {
    pub kind: DatasetKind,
    pub train: Option<Dataset>,
    pub test: Option<Dataset>,
}

pub fn from_files(files: Vec<(String, Vec<u8>)>) -> Result<Picked> {
    let mut found: Vec<(DatasetKind, Split, String, Vec<u8>)> = Vec::new();
    let official = |name: &str| {
        DatasetKind::ALL
            .into_iter()
            .flat_map(|k| [(k, Split::Train), (k, Split::Test)])
            .find_map(|(k, s)| file_names(k, s).into_iter().find(|n| *n == name).map(|n| (k, s, n)))
    };
    let mut pending = files;
    while let Some((name, bytes)) = pending.pop() {
        let base = name.rsplit(['/', '\\']).next().unwrap_or(&name).to_lowercase();
        let base = base.strip_suffix(".gz").unwrap_or(&base).replace(".idx", "-idx");
        if base.ends_with(".tar") {
            pending.extend(tar_entries(&bytes).map_err(|m| Error::Data(format!("“{name}”: {m}")))?);
        } else if let Some((k, s, n)) = official(&base) {
            if found.iter().any(|f| f.2 == n) {
                return Err(Error::Data(format!("“{n}” was given twice")));
            }
            found.push((k, s, n, bytes));
        } else if !["batches.meta.txt", "readme.html"].contains(&base.as_str()) {
            // (CIFAR-10's folder and archive hold those two beside the batches.)
            let expected = DatasetKind::ALL
                .into_iter()
                .flat_map(|k| [file_names(k, Split::Train), file_names(k, Split::Test)].concat())
                .collect::<Vec<_>>()
                .join(", ");
            return Err(Error::Data(format!(
                "“{name}” is not one of the official MNIST or CIFAR-10 files ({expected}; MNIST's may end in .gz, CIFAR-10's may come as cifar-10-binary.tar.gz)"
            )));
        }
    }
    let kinds: Vec<DatasetKind> = DatasetKind::ALL.into_iter().filter(|k| found.iter().any(|f| f.0 == *k)).collect();
    let kind = match kinds[..] {
        [k] => k,
        [] => return Err(Error::Data("no data set files among those given".into())),
        _ => return Err(Error::Data("files of both MNIST and CIFAR-10: give one data set's".into())),
    };
    let mut split = |s: Split| -> Result<Option<Dataset>> {
        let mut parts: Vec<(String, Vec<u8>)> = Vec::new();
        let names = file_names(kind, s);
        for n in &names {
            if let Some(i) = found.iter().position(|f| f.0 == kind && f.1 == s && f.2 == *n) {
                let f = found.remove(i);
                parts.push((f.2, f.3));
            }
        }
        let missing: Vec<&String> = names.iter().filter(|n| !parts.iter().any(|p| p.0 == **n)).collect();
        match (parts.is_empty(), kind, missing.is_empty()) {
            (true, _, _) => Ok(None),
            (false, DatasetKind::Mnist, false) => {
                Err(Error::Data(format!("“{}” is missing (MNIST needs images and labels together)", missing[0])))
            }
            _ => {
                let read: Vec<(&Path, Vec<u8>)> =
                    parts.iter().map(|(n, b)| (Path::new(n.as_str()), b.clone())).collect();
                assemble(kind, &read).map(Some)
            }
        }
    };
    let train = split(Split::Train)?;
    let test = split(Split::Test)?;
    Ok(Picked { kind, train, test })
}

/// The regular files of a tar archive, named by their path inside it.
fn tar_entries(b: &[u8]) -> std::result::Result<Vec<(String, Vec<u8>)>, String> {
    let mut out = Vec::new();
    let mut at = 0;
    while at + 512 <= b.len() {
        let header = &b[at..at + 512];
        if header.iter().all(|&v| v == 0) {
            return Ok(out);
        }
        let field =
            |r: std::ops::Range<usize>| String::from_utf8_lossy(&header[r]).trim_matches(['\0', ' ']).to_string();
        let size =
            usize::from_str_radix(&field(124..136), 8).map_err(|_| "not a tar archive (bad entry size)".to_string())?;
        let name = field(0..100);
        let start = at + 512;
        let data = b.get(start..start.saturating_add(size)).ok_or("truncated tar archive")?;
        if matches!(header[156], b'0' | 0) {
            out.push((name, data.to_vec()));
        }
        at = start + size.div_ceil(512) * 512;
    }
    // A whole archive ends with zero blocks.
    if out.is_empty() { Err("not a tar archive".into()) } else { Err("truncated tar archive".into()) }
}

/// The largest data file we read once un-gzipped (MNIST's training images are 47 MB): a gzip
/// bomb is refused instead of filling memory.
pub const MAX_DATA_FILE: u64 = 256 * 1024 * 1024;

/// Reads a file, un-gzipping it when it starts with the gzip magic.
#[cfg(feature = "cli")]
pub fn read_maybe_gz(path: &Path) -> Result<Vec<u8>> {
    let bytes = std::fs::read(path).map_err(|e| Error::file(path, e))?;
    maybe_gunzip(bytes).map_err(|m| Error::file(path, m))
}

/// Un-gzips bytes that start with the gzip magic (at most `MAX_DATA_FILE` out); others pass as they are.
#[cfg(feature = "cli")]
pub fn maybe_gunzip(bytes: Vec<u8>) -> std::result::Result<Vec<u8>, String> {
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return Ok(bytes);
    }
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes.as_slice())
        .take(MAX_DATA_FILE + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("corrupt gzip data ({e})"))?;
    if out.len() as u64 > MAX_DATA_FILE {
        return Err(format!("un-gzips to more than {} MB: not a data set file", MAX_DATA_FILE >> 20));
    }
    Ok(out)
}

fn be_u32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// IDX image file (magic 2051) of 28x28 images -> (pixels, count).
pub fn parse_idx_images(b: &[u8], path: &Path) -> Result<(Vec<u8>, usize)> {
    if b.len() < 16 {
        return Err(Error::file(path, format!("too short for an IDX image header ({} bytes)", b.len())));
    }
    let magic = be_u32(b, 0);
    if magic != 2051 {
        return Err(Error::file(path, format!("wrong magic number {magic}, expected 2051 (IDX images)")));
    }
    let (n, rows, cols) = (be_u32(b, 4) as usize, be_u32(b, 8) as usize, be_u32(b, 12) as usize);
    if rows != 28 || cols != 28 {
        return Err(Error::file(path, format!("images are {rows}x{cols}, expected 28x28")));
    }
    let want = n.checked_mul(rows * cols).and_then(|v| v.checked_add(16));
    if want != Some(b.len()) {
        let want = want.map_or("more than memory can hold".to_string(), |w| w.to_string());
        return Err(Error::file(path, format!("truncated or oversized: {} bytes, header says {want}", b.len())));
    }
    Ok((b[16..].to_vec(), n))
}

/// IDX label file (magic 2049) -> labels, each checked to be < 10.
pub fn parse_idx_labels(b: &[u8], path: &Path) -> Result<Vec<u8>> {
    if b.len() < 8 {
        return Err(Error::file(path, format!("too short for an IDX label header ({} bytes)", b.len())));
    }
    let magic = be_u32(b, 0);
    if magic != 2049 {
        return Err(Error::file(path, format!("wrong magic number {magic}, expected 2049 (IDX labels)")));
    }
    let n = be_u32(b, 4) as usize;
    if b.len().checked_sub(8) != Some(n) {
        return Err(Error::file(path, format!("truncated or oversized: {} bytes, header says {}", b.len(), 8 + n)));
    }
    let labels = b[8..].to_vec();
    check_labels(&labels, path)?;
    Ok(labels)
}

fn check_labels(labels: &[u8], path: &Path) -> Result<()> {
    match labels.iter().position(|&l| l as usize >= NUM_CLASSES) {
        Some(i) => Err(Error::file(path, format!("label {} of record {i} is out of range 0..9", labels[i]))),
        None => Ok(()),
    }
}

const CIFAR_RECORD: usize = 1 + 3 * 32 * 32;

/// CIFAR-10 binary batch: records of 1 label byte + 1024 R + 1024 G + 1024 B (planar), kept as HWC.
pub fn parse_cifar(b: &[u8], path: &Path) -> Result<Dataset> {
    if b.is_empty() || !b.len().is_multiple_of(CIFAR_RECORD) {
        return Err(Error::file(
            path,
            format!(
                "{} bytes is not a whole number of {CIFAR_RECORD}-byte CIFAR-10 records (truncated or wrong file)",
                b.len()
            ),
        ));
    }
    let n = b.len() / CIFAR_RECORD;
    let mut images = Vec::with_capacity(n * 3072);
    let mut labels = Vec::with_capacity(n);
    for rec in b.chunks_exact(CIFAR_RECORD) {
        labels.push(rec[0]);
        let px = &rec[1..];
        for i in 0..1024 {
            images.extend_from_slice(&[px[i], px[1024 + i], px[2048 + i]]);
        }
    }
    check_labels(&labels, path)?;
    Ok(Dataset { kind: DatasetKind::Cifar10, images, labels })
}
