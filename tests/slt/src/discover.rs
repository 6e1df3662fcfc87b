//! Finding test files: explicit files as given, directories searched recursively for
//! `*.test`, in a stable (sorted) order so runs are reproducible.

use std::io;
use std::path::{Path, PathBuf};

/// The test files named by `paths`: each file itself, and every `*.test` file under each
/// directory (sorted by path). Fails if a path does not exist.
pub fn collect_test_files(paths: &[PathBuf]) -> io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        let metadata = std::fs::metadata(path)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
        if metadata.is_dir() {
            let mut found = Vec::new();
            walk(path, &mut found)?;
            found.sort();
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            walk(&path, found)?;
        } else if path.extension().is_some_and(|ext| ext == "test") {
            found.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_test_files_recursively_in_order() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        std::fs::create_dir_all(root.join("b/deep")).expect("mkdir");
        for name in [
            "b/deep/z.test",
            "b/a.test",
            "a.test",
            "notes.txt",
            "b/readme.md",
        ] {
            std::fs::write(root.join(name), "").expect("write");
        }
        let files =
            collect_test_files(&[root.to_path_buf(), root.join("notes.txt")]).expect("walk");
        let relative: Vec<_> = files
            .iter()
            .map(|f| f.strip_prefix(root).expect("under root"))
            .collect();
        assert_eq!(
            relative,
            ["a.test", "b/a.test", "b/deep/z.test", "notes.txt"]
                .map(Path::new)
                .to_vec()
        );
        assert!(collect_test_files(&[root.join("missing")]).is_err());
    }
}
