use super::checkpoint::{BadCheckpoint, Checkpoint};
use super::*;

const KEY: [u8; 32] = [7; 32];

fn chain_with(hashing: Hashing<'_>, n: i64) -> Vec<StoredAudit> {
    let mut prev = GENESIS.to_owned();
    (1..=n)
        .map(|id| {
            let entry = AuditEntry {
                id,
                at: format!("2026-11-29T10:00:{id:02}Z"),
                actor: "admin".into(),
                action: "member.create".into(),
                target: format!("member:{id}"),
                org_path: "/1/".into(),
                summary: "{}".into(),
                source_addr: "192.0.2.1".into(),
            };
            let hash = hashing.hash(&prev, &entry).unwrap();
            let row = StoredAudit {
                entry,
                prev_hash: prev.clone(),
                hash: hash.clone(),
            };
            prev = hash;
            row
        })
        .collect()
}

fn chain(n: i64) -> Vec<StoredAudit> {
    chain_with(Hashing::Keyed(&KEY), n)
}

/// Recomputes every hash after an edit, as someone who can write the
/// database could.
fn recompute(rows: &mut [StoredAudit], hashing: Hashing<'_>) {
    let mut prev = GENESIS.to_owned();
    for r in rows {
        r.prev_hash.clone_from(&prev);
        r.hash = hashing.hash(&prev, &r.entry).unwrap();
        prev.clone_from(&r.hash);
    }
}

#[test]
fn an_intact_chain_verifies() {
    let rows = chain(5);
    let head = verify_chain(Hashing::Keyed(&KEY), Head::genesis(), &rows).unwrap();
    assert_eq!(head.id, 5);
    assert_eq!(head.hash, rows[4].hash);
}

#[test]
fn an_altered_row_is_found() {
    let mut rows = chain(5);
    rows[2].entry.summary = "changed".into();
    assert_eq!(
        verify_chain(Hashing::Keyed(&KEY), Head::genesis(), &rows),
        Err(ChainBreak::BadHash { id: 3 })
    );
}

#[test]
fn an_altered_source_address_is_found() {
    let mut rows = chain(3);
    rows[1].entry.source_addr = "10.0.0.9".into();
    assert_eq!(
        verify_chain(Hashing::Keyed(&KEY), Head::genesis(), &rows),
        Err(ChainBreak::BadHash { id: 2 })
    );
}

#[test]
fn a_chain_recomputed_without_the_key_is_refused() {
    let mut rows = chain(5);
    rows[2].entry.summary = "changed".into();
    recompute(&mut rows, Hashing::Plain);
    assert_eq!(
        verify_chain(Hashing::Keyed(&KEY), Head::genesis(), &rows),
        Err(ChainBreak::BadHash { id: 1 })
    );
    recompute(&mut rows, Hashing::Keyed(&[8; 32]));
    assert!(verify_chain(Hashing::Keyed(&KEY), Head::genesis(), &rows).is_err());
}

#[test]
fn a_removed_row_is_a_gap() {
    let mut rows = chain(5);
    rows.remove(1);
    assert_eq!(
        verify_chain(Hashing::Keyed(&KEY), Head::genesis(), &rows),
        Err(ChainBreak::Gap { id: 3, expected: 2 })
    );
    // Renumbering and relinking cannot be done without the key.
    let mut renumbered = chain(5);
    renumbered.remove(1);
    for (i, r) in renumbered.iter_mut().enumerate() {
        r.entry.id = i as i64 + 1;
    }
    recompute(&mut renumbered, Hashing::Plain);
    assert!(verify_chain(Hashing::Keyed(&KEY), Head::genesis(), &renumbered).is_err());
}

#[test]
fn links_only_checks_continuity_and_links() {
    let mut rows = chain(4);
    assert!(verify_chain(Hashing::LinksOnly, Head::genesis(), &rows).is_ok());
    rows[3].prev_hash = GENESIS.into();
    assert_eq!(
        verify_chain(Hashing::LinksOnly, Head::genesis(), &rows),
        Err(ChainBreak::BadLink { id: 4 })
    );
}

#[test]
fn the_plain_chain_still_verifies_as_plain() {
    let rows = chain_with(Hashing::Plain, 3);
    assert!(verify_chain(Hashing::Plain, Head::genesis(), &rows).is_ok());
    assert_eq!(
        verify_chain(Hashing::Keyed(&KEY), Head::genesis(), &rows),
        Err(ChainBreak::BadHash { id: 1 })
    );
}

#[test]
fn field_boundaries_matter() {
    let a = AuditEntry {
        id: 1,
        at: "t".into(),
        actor: "ab".into(),
        action: "c".into(),
        target: String::new(),
        org_path: String::new(),
        summary: String::new(),
        source_addr: String::new(),
    };
    let mut b = a.clone();
    b.actor = "a".into();
    b.action = "bc".into();
    assert_ne!(plain_hash(GENESIS, &a), plain_hash(GENESIS, &b));
    assert_ne!(keyed_hash(&KEY, GENESIS, &a), keyed_hash(&KEY, GENESIS, &b));
    assert_ne!(keyed_hash(&KEY, GENESIS, &a), plain_hash(GENESIS, &a));
}

fn cp(id: i64, hash: &str) -> Checkpoint {
    Checkpoint {
        at: "2026-11-29T10:00:00Z".into(),
        id,
        hash: hash.into(),
        reason: "rows".into(),
    }
}

#[test]
fn checkpoint_lines_round_trip_and_are_keyed() {
    let c = cp(42, "ab12");
    let line = c.line(&KEY);
    assert_eq!(Checkpoint::parse(&KEY, 1, &line), Ok(c.clone()));
    assert_eq!(
        Checkpoint::parse(&[1; 32], 3, &line),
        Err(BadCheckpoint::Mac { line: 3 })
    );
    let forged = line.replacen(" 42 ", " 41 ", 1);
    assert_eq!(
        Checkpoint::parse(&KEY, 2, &forged),
        Err(BadCheckpoint::Mac { line: 2 })
    );
    assert_eq!(
        Checkpoint::parse(&KEY, 5, "garbage"),
        Err(BadCheckpoint::Format { line: 5 })
    );
    let text = format!("{line}\n\n{}\n", cp(50, "cd").line(&KEY));
    assert_eq!(Checkpoint::parse_all(&KEY, &text).unwrap().len(), 2);
}

#[test]
fn a_removed_tail_fails_the_checkpoint() {
    let rows = chain(100);
    let anchor = cp(100, &rows[99].hash);
    let lookup = |id: i64| rows.get(id as usize - 1).map(|r| r.hash.clone());
    let full = verify_chain(Hashing::Keyed(&KEY), Head::genesis(), &rows).unwrap();
    assert_eq!(anchor.check(&full, lookup), Ok(()));
    // 50 rows cut from the end: the shorter chain is intact on its own…
    let cut = verify_chain(Hashing::Keyed(&KEY), Head::genesis(), &rows[..50]).unwrap();
    // …but does not reach the checkpoint.
    assert_eq!(
        anchor.check(&cut, lookup),
        Err(ChainBreak::Truncated {
            checkpoint_id: 100,
            last_id: 50
        })
    );
    // An earlier checkpoint with another hash at its row is refused too.
    let earlier = cp(20, "00");
    assert!(earlier.check(&full, lookup).is_err());
    assert_eq!(cp(20, &rows[19].hash).check(&full, lookup), Ok(()));
}
