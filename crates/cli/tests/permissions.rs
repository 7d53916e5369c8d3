//! The files an instance writes are private: the data and search index
//! folders 0700; the database, its write-ahead log and shared memory, the
//! key, the audit checkpoint file and backups 0600.

#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_dangjian");

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn dangjian(data: &Path) -> Command {
    let mut c = Command::new(BIN);
    c.args([
        "--database",
        &format!("sqlite://{}", data.join("dj.db").display()),
        "--key-file",
        &data.join("dj.key").display().to_string(),
    ]);
    c
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .permissions()
        .mode()
        & 0o777
}

#[test]
fn data_files_are_created_private() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let out = dangjian(&data)
        .args([
            "init",
            "--county",
            "中共测试县委员会",
            "--password",
            "perm2026pw",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("dj.db")), 0o600);
    assert_eq!(mode(&data.join("dj.key")), 0o600);
    // init audited two rows: the first checkpoint was due.
    assert_eq!(mode(&data.join("audit-checkpoints.log")), 0o600);

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let _server = Server(
        dangjian(&data)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let (wal, shm) = (data.join("dj.db-wal"), data.join("dj.db-shm"));
    let deadline = Instant::now() + Duration::from_mins(1);
    while !(wal.exists() && shm.exists() && data.join("search").exists()) {
        assert!(
            Instant::now() < deadline,
            "the server did not open the database"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(mode(&wal), 0o600);
    assert_eq!(mode(&shm), 0o600);
    assert_eq!(mode(&data.join("search")), 0o700);

    let backup = root.path().join("backup.db");
    let out = dangjian(&data)
        .args(["backup", backup.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(mode(&backup), 0o600);
}
