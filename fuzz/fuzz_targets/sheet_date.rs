//! Dates as clerks write them in a sheet cell: parsing never panics; a
//! parsed date printed as YYYY-MM-DD parses back to itself; Excel serial
//! numbers convert both ways for every date they accept.
#![no_main]

use dangjian_domain::sheet::date::{from_excel_serial, parse_sheet_date, to_excel_serial};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(d) = parse_sheet_date(&text) {
        assert_eq!(parse_sheet_date(&d.to_string()), Ok(d), "{text:?}");
    }
    if data.len() >= 8 {
        let serial = f64::from_le_bytes(data[..8].try_into().expect("8 bytes"));
        if let Some(d) = from_excel_serial(serial) {
            assert_eq!(from_excel_serial(to_excel_serial(d) as f64), Some(d));
        }
    }
});
