//! The import's pure path over arbitrary CSV bytes: decode, split into
//! records, match the header row for members and for organizations, then
//! read every row into member or organization values with their field
//! errors. Nothing may panic, whatever the cells hold.
#![no_main]

use dangjian_domain::sheet::SheetKind;
use dangjian_domain::sheet::decode::decode_text;
use dangjian_domain::sheet::header::map_headers;
use dangjian_domain::sheet::row::{RowValues, member_values, org_values};
use dangjian_domain::sheet::text::normalize_cell;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok((text, _)) = decode_text(data) else {
        return;
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows: Vec<Vec<String>> = Vec::new();
    for record in reader.records().take(64) {
        let Ok(record) = record else { return };
        rows.push(record.iter().map(normalize_cell).collect());
    }
    let Some((header, body)) = rows.split_first() else {
        return;
    };
    for kind in [SheetKind::Members, SheetKind::Orgs] {
        let Ok(map) = map_headers(kind, header) else {
            continue;
        };
        for cells in body {
            let values = RowValues::from_cells(&map, cells);
            match kind {
                SheetKind::Members => drop(member_values(&values)),
                SheetKind::Orgs => drop(org_values(&values)),
            }
        }
    }
});
